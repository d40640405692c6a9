package dev.lustrecsi.node;

import dev.lustrecsi.model.ApiTime;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events on pods through the API server. The pod is looked up by UID among the pods bound to this node
 * (RBAC: pods list); the Event is created in the pod's namespace (RBAC: events create), named like
 * kubelet's ({@code <pod>.<unique suffix>}), from component {@code lustre-csi-node} on this host.
 */
public final class KubernetesPodEvents implements PodEvents {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesPodEvents.class);
    static final String COMPONENT = "lustre-csi-node";

    private static final Duration LIST_REUSE = Duration.ofSeconds(10);

    private final KubernetesClient client;
    private final String nodeName;
    private List<Pod> pods = List.of();
    private long listedAt;

    public KubernetesPodEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    @Override
    public void record(String podUid, EventType type, String reason, String message) {
        Optional<Pod> pod = podByUid(podUid);
        if (pod.isEmpty()) {
            LOG.info("no pod with uid {} on node {}: event {} not recorded", podUid, nodeName, reason);
            return;
        }
        Pod p = pod.get();
        Instant at = Instant.now();
        String now = ApiTime.time(at);
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(p.getMetadata().getName() + "."
                        + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
                .withNamespace(p.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("v1")
                .withKind("Pod")
                .withName(p.getMetadata().getName())
                .withNamespace(p.getMetadata().getNamespace())
                .withUid(p.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type.name())
                .withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) + "..." : message)
                .withNewSource()
                .withComponent(COMPONENT)
                .withHost(nodeName)
                .endSource()
                .withReportingComponent(COMPONENT)
                .withReportingInstance(nodeName)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withEventTime(ApiTime.microTime(at))
                .withCount(1)
                .withAction("CheckMount")
                .build();
        client.v1()
                .events()
                .inNamespace(p.getMetadata().getNamespace())
                .resource(event)
                .create();
        LOG.info(
                "event {} {} on pod {}/{}: {}",
                type,
                reason,
                p.getMetadata().getNamespace(),
                p.getMetadata().getName(),
                message);
    }

    /**
     * The pod among those on this node. One list serves the events of one health-check pass (a broken
     * volume used by many pods), and is fetched again when a UID is not in it or it is older than 10 s.
     */
    private synchronized Optional<Pod> podByUid(String uid) {
        Optional<Pod> found = find(uid);
        if (found.isEmpty() || System.nanoTime() - listedAt > LIST_REUSE.toNanos()) {
            pods = client.pods()
                    .inAnyNamespace()
                    .withField("spec.nodeName", nodeName)
                    .list()
                    .getItems();
            listedAt = System.nanoTime();
            found = find(uid);
        }
        return found;
    }

    private Optional<Pod> find(String uid) {
        return pods.stream().filter(p -> uid.equals(p.getMetadata().getUid())).findFirst();
    }
}
