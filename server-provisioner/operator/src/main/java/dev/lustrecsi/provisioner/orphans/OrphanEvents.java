package dev.lustrecsi.provisioner.orphans;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on the orphaned object itself ({@code kubectl get events --field-selector involvedObject.name=...}). */
final class OrphanEvents {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanEvents.class);
    private final KubernetesClient client;
    private final AtomicLong sequence = new AtomicLong();

    OrphanEvents(KubernetesClient client) {
        this.client = client;
    }

    void record(HasMetadata obj, String type, String reason, String message) {
        String ns = obj.getMetadata().getNamespace();
        String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        var event = new EventBuilder()
                .withNewMetadata()
                .withName(obj.getMetadata().getName() + "." + String.format("%016x%04x", System.nanoTime(),
                        sequence.incrementAndGet() & 0xffff))
                .withNamespace(ns)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(obj.getApiVersion())
                .withKind(obj.getKind())
                .withName(obj.getMetadata().getName())
                .withNamespace(ns)
                .withUid(obj.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withCount(1)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withNewSource().withComponent("server-provisioner").endSource()
                .build();
        try {
            client.v1().events().inNamespace(ns).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {} on {}: {}", reason, obj.getMetadata().getName(), e.getMessage());
        }
    }
}
