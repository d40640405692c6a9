package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node plugin's pod Events as a real kube-apiserver validates and stores them. */
@RealControlPlane
class KubernetesPodEventsOnRealApiServerTest {

    @Test
    void aWarningAboutABrokenMountIsStoredOnThePodByARealApiServer(ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("events-node")
                        .endMetadata()
                        .build())
                .create();
        Pod pod = admin.pods()
                .inNamespace("events-node")
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("app")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName("node-events")
                        .addNewContainer()
                        .withName("app")
                        .withImage("busybox")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();

        // Several events: Java's clock writes 0, 3, 6 or 9 fractional digits; each must be accepted.
        PodEvents events = new KubernetesPodEvents(admin, "node-events");
        for (int i = 0; i < 5; i++) {
            events.record(
                    pod.getMetadata().getUid(),
                    PodEvents.EventType.Warning,
                    "LustreMountBroken",
                    "mount " + i + " is stale");
        }

        List<Event> stored =
                admin.v1().events().inNamespace("events-node").list().getItems();
        assertThat(stored).hasSize(5).allSatisfy(e -> {
            assertThat(e.getInvolvedObject().getUid())
                    .isEqualTo(pod.getMetadata().getUid());
            assertThat(e.getReason()).isEqualTo("LustreMountBroken");
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getEventTime().getTime()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
            assertThat(e.getSource().getComponent()).isEqualTo(KubernetesPodEvents.COMPONENT);
        });
    }
}
