package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

/** The operator's Events as a real kube-apiserver validates and stores them (the mock accepts anything). */
@RealControlPlane
class EventRecorderOnRealApiServerTest {

    @Test
    void anEventOnAManagedObjectIsStoredByARealApiServer(ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("events-operator")
                        .endMetadata()
                        .build())
                .create();
        ConfigMap target = admin.configMaps()
                .inNamespace("events-operator")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("orphan-disk")
                        .endMetadata()
                        .build())
                .create();

        EventRecorder recorder = new EventRecorder(admin);
        for (int i = 0; i < 3; i++) {
            recorder.onObject(
                    target, EventRecorder.WARNING, EventReason.OrphanFound, "no filesystem owns this disk " + i);
        }

        assertThat(admin.v1().events().inNamespace("events-operator").list().getItems())
                .hasSize(3)
                .allSatisfy(e -> {
                    assertThat(e.getInvolvedObject().getUid())
                            .isEqualTo(target.getMetadata().getUid());
                    assertThat(e.getReason()).isEqualTo("OrphanFound");
                    assertThat(e.getFirstTimestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
                    assertThat(e.getSource().getComponent()).isEqualTo(EventRecorder.COMPONENT);
                });
    }
}
