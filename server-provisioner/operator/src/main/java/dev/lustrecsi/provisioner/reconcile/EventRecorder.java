package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.model.ApiTime;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on a LustreFileSystem ({@code kubectl describe lustrefs} shows them), one per operator step. */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    public static final String COMPONENT = "server-provisioner";

    private final KubernetesClient client;
    private final AtomicLong sequence = new AtomicLong();
    /** Last warning message per resource and reason: a retry that fails the same way is not news. */
    private final java.util.Map<String, String> lastWarning = new java.util.concurrent.ConcurrentHashMap<>();

    /** Told of every step as the reconciler reports it (metrics count scale and recovery steps from these). */
    @FunctionalInterface
    public interface Listener {
        void stepReported(LustreFileSystem fs, String type, EventReason reason);
    }

    private final java.util.List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public EventRecorder addListener(Listener listener) {
        listeners.add(listener);
        return this;
    }

    public void normal(LustreFileSystem fs, EventReason reason, String message) {
        notifyListeners(fs, NORMAL, reason);
        record(fs, NORMAL, reason, message);
    }

    public void warning(LustreFileSystem fs, EventReason reason, String message) {
        // Before the de-duplication: the same server lost twice is two recoveries, even with the same message.
        notifyListeners(fs, WARNING, reason);
        String key = fs.getMetadata().getNamespace() + "/" + fs.getMetadata().getName() + "/" + reason;
        if (message.equals(lastWarning.put(key, message))) {
            return;
        }
        record(fs, WARNING, reason, message);
    }

    private void notifyListeners(LustreFileSystem fs, String type, EventReason reason) {
        for (Listener l : listeners) {
            try {
                l.stepReported(fs, type, reason);
            } catch (RuntimeException e) {
                LOG.warn("event listener failed on {}: {}", reason, e.toString());
            }
        }
    }

    private void record(LustreFileSystem fs, String type, EventReason reason, String message) {
        LOG.info(
                "{}/{}: {} {}: {}",
                fs.getMetadata().getNamespace(),
                fs.getMetadata().getName(),
                type,
                reason,
                message);
        create(fs, LustreFileSystem.API_VERSION, "LustreFileSystem", type, reason, message);
    }

    /**
     * An Event on any object the operator manages (e.g. an orphaned VM or disk: {@code kubectl get events
     * --field-selector involvedObject.name=...}); not de-duplicated and not told to the listeners.
     */
    public void onObject(HasMetadata obj, String type, EventReason reason, String message) {
        create(obj, obj.getApiVersion(), obj.getKind(), type, reason, message);
    }

    private void create(
            HasMetadata obj, String apiVersion, String kind, String type, EventReason reason, String message) {
        String ns = obj.getMetadata().getNamespace();
        String now = ApiTime.time(Instant.now());
        Event event = new EventBuilder()
                .withNewMetadata()
                // Unique and, within one operator process, in order (as `kubectl get events` sorts by name).
                .withName(obj.getMetadata().getName() + "."
                        + String.format("%016x%04x", System.nanoTime(), sequence.incrementAndGet() & 0xffff))
                .withNamespace(ns)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(obj.getMetadata().getName())
                .withNamespace(ns)
                .withUid(obj.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason.name())
                .withMessage(message)
                .withCount(1)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .build();
        try {
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is information, never a reason to fail a reconcile step.
            LOG.warn(
                    "could not record event {} on {}: {}",
                    reason,
                    obj.getMetadata().getName(),
                    e.getMessage());
        }
    }
}
