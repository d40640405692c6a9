package dev.lustrecsi.cli;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.TargetState;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/** Reading a LustreFileSystem's status the same way in every command. */
final class Status {
    private Status() {}

    static LustreFileSystemStatus of(LustreFileSystem fs) {
        return fs.getStatus() == null ? new LustreFileSystemStatus() : fs.getStatus();
    }

    static String phase(LustreFileSystem fs) {
        Phase p = of(fs).getPhase();
        return p == null ? "Pending" : p.name();
    }

    /** True once the operator has acted on the latest spec (when it reports observedGeneration at all). */
    static boolean observedCurrentSpec(LustreFileSystem fs) {
        Long generation = fs.getMetadata().getGeneration();
        Long observed = of(fs).getObservedGeneration();
        return generation == null || observed == null || observed >= generation;
    }

    /** The operator's refusal of the spec, if it refused it. */
    static Optional<String> rejection(LustreFileSystem fs) {
        return of(fs).condition(Conditions.SPEC_VALID)
                .filter(c -> "False".equals(c.getStatus()))
                .map(Condition::getMessage);
    }

    static long readyTargets(LustreFileSystem fs) {
        return of(fs).getTargets() == null
                ? 0
                : of(fs).getTargets().stream()
                        .filter(t -> t.getState() == TargetState.Ready)
                        .count();
    }

    static int totalTargets(LustreFileSystem fs) {
        return of(fs).getTargets() == null ? 0 : of(fs).getTargets().size();
    }

    static String nids(LustreFileSystem fs) {
        return of(fs).getMgsNids() == null || of(fs).getMgsNids().isEmpty()
                ? "-"
                : String.join(",", of(fs).getMgsNids());
    }

    static String osts(LustreFileSystem fs) {
        Integer active = of(fs).getActiveOsts();
        Integer desired = fs.getSpec() == null ? null : fs.getSpec().getOstCount();
        return (active == null ? 0 : active) + "/" + (desired == null ? "-" : desired);
    }

    /** One line that changes whenever progress is made; printed by --wait. */
    static String progressLine(LustreFileSystem fs) {
        LustreFileSystemStatus s = of(fs);
        StringBuilder b =
                new StringBuilder(fs.getMetadata().getName()).append(": ").append(phase(fs));
        b.append(" (targets ready ").append(readyTargets(fs)).append('/').append(totalTargets(fs));
        b.append(", OSTs ").append(osts(fs));
        b.append(", capacity ").append(Sizes.human(s.getCapacityBytes()));
        if (s.getLustreVersion() != null) {
            b.append(", Lustre ").append(s.getLustreVersion());
        }
        b.append(')');
        s.condition(Conditions.DEGRADED)
                .filter(c -> "True".equals(c.getStatus()))
                .ifPresent(c -> b.append(" degraded: ").append(c.getMessage()));
        return b.toString();
    }

    static String age(LustreFileSystem fs, Instant now) {
        String created = fs.getMetadata().getCreationTimestamp();
        if (created == null) {
            return "-";
        }
        Duration d = Duration.between(OffsetDateTime.parse(created).toInstant(), now);
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.toDays() > 0) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m";
        }
        return d.toSeconds() + "s";
    }
}
