package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.model.ApiTime;
import dev.lustrecsi.model.LustreFileSystemStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Objects;

/** Sets status conditions the Kubernetes way: lastTransitionTime moves only when the status flips. */
final class StatusConditions {
    private StatusConditions() {}

    /** @return true when the condition's status, reason or message changed */
    static boolean set(
            LustreFileSystemStatus status, String type, boolean value, String reason, String message, Long generation) {
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        String s = value ? "True" : "False";
        Condition existing = status.condition(type).orElse(null);
        if (existing != null
                && s.equals(existing.getStatus())
                && Objects.equals(reason, existing.getReason())
                && Objects.equals(message, existing.getMessage())) {
            existing.setObservedGeneration(generation);
            return false;
        }
        String transition = existing != null && s.equals(existing.getStatus())
                ? existing.getLastTransitionTime()
                : ApiTime.time(Instant.now());
        Condition c = new ConditionBuilder()
                .withType(type)
                .withStatus(s)
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(transition)
                .withObservedGeneration(generation)
                .build();
        status.getConditions().removeIf(x -> type.equals(x.getType()));
        status.getConditions().add(c);
        return true;
    }
}
