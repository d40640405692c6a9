package dev.lustrecsi.testing.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@RealControlPlane
class ControlPlaneTest {

    @Test
    void aServiceAccountTokenCanDoWhatRbacGrantsItAndNothingElse(ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName("rbac-check")
                        .endMetadata()
                        .build())
                .create();
        admin.serviceAccounts()
                .inNamespace("rbac-check")
                .resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName("reader")
                        .endMetadata()
                        .build())
                .create();
        admin.rbac()
                .roles()
                .inNamespace("rbac-check")
                .resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
                        .withNewMetadata()
                        .withName("read-configmaps")
                        .endMetadata()
                        .addNewRule()
                        .withApiGroups("")
                        .withResources("configmaps")
                        .withVerbs("get", "list")
                        .endRule()
                        .build())
                .create();
        admin.rbac()
                .roleBindings()
                .inNamespace("rbac-check")
                .resource(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
                        .withNewMetadata()
                        .withName("reader")
                        .endMetadata()
                        .withNewRoleRef()
                        .withApiGroup("rbac.authorization.k8s.io")
                        .withKind("Role")
                        .withName("read-configmaps")
                        .endRoleRef()
                        .addNewSubject()
                        .withKind("ServiceAccount")
                        .withName("reader")
                        .withNamespace("rbac-check")
                        .endSubject()
                        .build())
                .create();

        try (KubernetesClient reader = cp.clientFor("rbac-check", "reader")) {
            assertThat(reader.configMaps().inNamespace("rbac-check").list().getItems())
                    .isEmpty();
            assertThatThrownBy(() -> reader.configMaps()
                            .inNamespace("rbac-check")
                            .resource(new ConfigMapBuilder()
                                    .withNewMetadata()
                                    .withName("x")
                                    .endMetadata()
                                    .build())
                            .create())
                    .isInstanceOfSatisfying(
                            KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(403));
        }
        assertThat(AuditLog.read(cp.auditLog())).anySatisfy(r -> {
            assertThat(r.user()).isEqualTo("system:serviceaccount:rbac-check:reader");
            assertThat(r.verb()).isEqualTo("create");
            assertThat(r.resource()).isEqualTo("configmaps");
            assertThat(r.code()).isEqualTo(403);
        });
    }

    @Test
    void thePersistentVolumeControllerBindsAClaimToAMatchingVolume(ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        admin.persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName("pv-bind-check")
                        .endMetadata()
                        .withNewSpec()
                        .withCapacity(Map.of("storage", new Quantity("1Gi")))
                        .withAccessModes("ReadWriteMany")
                        .withStorageClassName("manual")
                        .withNewHostPath()
                        .withPath("/tmp/nowhere")
                        .endHostPath()
                        .endSpec()
                        .build())
                .create();
        admin.persistentVolumeClaims()
                .inNamespace("default")
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("claim-bind-check")
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteMany")
                        .withStorageClassName("manual")
                        .withNewResources()
                        .withRequests(Map.of("storage", new Quantity("1Gi")))
                        .endResources()
                        .endSpec()
                        .build())
                .create();

        await().atMost(Duration.ofSeconds(60))
                .until(() -> "Bound"
                        .equals(admin.persistentVolumeClaims()
                                .inNamespace("default")
                                .withName("claim-bind-check")
                                .get()
                                .getStatus()
                                .getPhase()));
        assertThat(admin.persistentVolumes()
                        .withName("pv-bind-check")
                        .get()
                        .getSpec()
                        .getClaimRef()
                        .getName())
                .isEqualTo("claim-bind-check");
    }

    @Test
    void theGarbageCollectorDeletesWhatAnOwnerLeavesBehind(ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        ConfigMap owner = admin.configMaps()
                .inNamespace("default")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("gc-owner")
                        .endMetadata()
                        .build())
                .create();
        admin.configMaps()
                .inNamespace("default")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("gc-dependent")
                        .addNewOwnerReference()
                        .withApiVersion("v1")
                        .withKind("ConfigMap")
                        .withName("gc-owner")
                        .withUid(owner.getMetadata().getUid())
                        .endOwnerReference()
                        .endMetadata()
                        .build())
                .create();

        admin.configMaps().inNamespace("default").withName("gc-owner").delete();

        await().atMost(Duration.ofSeconds(60))
                .until(() -> admin.configMaps()
                                .inNamespace("default")
                                .withName("gc-dependent")
                                .get()
                        == null);
    }
}
