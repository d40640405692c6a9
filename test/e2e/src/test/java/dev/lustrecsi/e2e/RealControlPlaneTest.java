package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.testing.kube.AuditLog;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The product on a real Kubernetes control plane: the rendered chart applied to a real kube-apiserver, the
 * real external-provisioner and external-resizer (the chart's arguments, the controller ServiceAccount's
 * token) driving the controller's socket, claims bound by the real PV controller; and, last, the API
 * server's audit log of the whole run checked against what the chart grants each component.
 */
@RealControlPlane
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealControlPlaneTest {
    private LocalCluster cluster;
    private ControlPlane plane;
    private Story story;

    @BeforeAll
    void start(ControlPlane cp) throws IOException {
        plane = cp;
        cluster = LocalCluster.start(
                Files.createTempDirectory("lustre-csi-e2e-real-"), LocalCluster.Settings.defaults(), cp);
        cluster.applyStorageClass(Map.of());
        story = new Story(cluster, "lab");
    }

    @AfterAll
    void stop() {
        Story.stopCluster(cluster);
    }

    @Test
    @Order(1)
    void aClaimIsProvisionedByTheRealExternalProvisionerAndBoundByTheRealPvController() {
        PersistentVolume pv = story.claimAndBind("100Gi", "data-a");

        assertThat(pv.getMetadata().getAnnotations())
                .containsEntry("pv.kubernetes.io/provisioned-by", DriverNames.DRIVER_NAME);
        assertThat(pv.getSpec().getCsi().getDriver()).isEqualTo(DriverNames.DRIVER_NAME);
        assertThat(pv.getSpec().getCsi().getVolumeHandle())
                .startsWith("v1:" + LocalCluster.NAMESPACE + ":" + LocalCluster.POOL + ":");
        // The volume's accessible topology, as the provisioner turns it into node affinity.
        assertThat(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms())
                .isNotEmpty();
        await().atMost(Story.PATIENCE)
                .until(() -> "Bound".equals(claim("data-a").getStatus().getPhase())
                        && "Bound"
                                .equals(cluster.client()
                                        .persistentVolumes()
                                        .withName(pv.getMetadata().getName())
                                        .get()
                                        .getStatus()
                                        .getPhase()));
    }

    @Test
    @Order(2)
    void aPodOnTheNodeMountsTheVolumeTheRealSidecarProvisioned() throws IOException {
        PersistentVolume pv = story.provisioner.volumeOf("lab", "data-a").orElseThrow();
        Path dir = story.kubelet.startPod(pv, "pod-writer");
        Files.writeString(dir.resolve("result.txt"), "42\n");
        assertThat(cluster.poolOnServer().resolve(pv.getMetadata().getName()).resolve("result.txt"))
                .hasContent("42");
        story.kubelet.stopPod(pv, "pod-writer");
        // As kubelet does once no pod on the node uses the volume; a staged volume cannot be deleted (Order 5).
        story.kubelet.unstage(pv);
    }

    @Test
    @Order(3)
    void aLargerClaimGoesThroughTheRealExternalResizerToControllerExpandVolume() {
        cluster.client()
                .persistentVolumeClaims()
                .inNamespace("lab")
                .withName("data-a")
                .edit(c -> {
                    c.getSpec().getResources().getRequests().put("storage", new Quantity("200Gi"));
                    return c;
                });
        await().atMost(Story.PATIENCE).until(() -> {
            PersistentVolume pv = story.provisioner.volumeOf("lab", "data-a").orElseThrow();
            return new Quantity("200Gi").equals(pv.getSpec().getCapacity().get("storage"));
        });
        await().atMost(Story.PATIENCE)
                .until(() -> new Quantity("200Gi")
                        .equals(claim("data-a").getStatus().getCapacity().get("storage")));
        assertThat(story.ledger().values())
                .anySatisfy(r -> assertThat(r.capacityBytes()).isEqualTo(200L << 30));
    }

    @Test
    @Order(4)
    void aWaitForFirstConsumerClaimIsProvisionedOnceTheSchedulerPicksANode() {
        Map<String, String> parameters = cluster.storageClassParameters();
        cluster.createStorageClass(LocalCluster.driverStorageClass("lustre-late")
                .withParameters(parameters)
                .withReclaimPolicy("Delete")
                .withVolumeBindingMode("WaitForFirstConsumer")
                .withAllowVolumeExpansion(true)
                .build());
        cluster.client()
                .persistentVolumeClaims()
                .inNamespace("lab")
                .resource(ExternalProvisioner.claim("lab", "late", "10Gi", "lustre-late"))
                .create();

        // Nothing happens until a consumer is scheduled: the claim waits.
        await().pollDelay(java.time.Duration.ofSeconds(3))
                .atMost(Story.PATIENCE)
                .until(() -> claim("late") != null);
        assertThat(claim("late").getSpec().getVolumeName()).isNull();

        // The scheduler's choice, as it writes it on the claim.
        cluster.client()
                .persistentVolumeClaims()
                .inNamespace("lab")
                .withName("late")
                .edit(c -> {
                    c.getMetadata().getAnnotations().put("volume.kubernetes.io/selected-node", LocalCluster.NODE);
                    return c;
                });
        assertThat(story.awaitBound("late"))
                .singleElement()
                .satisfies(pv -> assertThat(
                                pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms())
                        .isNotEmpty());
    }

    @Test
    @Order(5)
    void deletingTheClaimsDeletesTheirVolumesThroughTheRealSidecar() {
        story.deleteClaims("data-a", "late");
        story.awaitReleased("data-a", "late");
        await().atMost(Story.PATIENCE).until(() -> story.ledger().isEmpty());
    }

    @Test
    @Order(6)
    void everyRequestEachComponentMadeIsGrantedByTheChartAndUnusedGrantsAreReported() {
        List<AuditLog.Request> requests = AuditLog.read(plane.auditLog());
        List<String> notGranted = new ArrayList<>();
        StringBuilder report = new StringBuilder("least privilege, measured on the real API server's audit log:\n");
        for (String sa : List.of(Chart.CONTROLLER_SA, Chart.NODE_SA, Chart.OPERATOR_SA)) {
            String user = "system:serviceaccount:" + LocalCluster.NAMESPACE + ":" + sa;
            List<Chart.Grant> grants = cluster.chart().grantsOf(LocalCluster.NAMESPACE, sa);
            Set<String> used = new TreeSet<>();
            for (AuditLog.Request r : requests) {
                if (!r.user().equals(user) || r.resource().isEmpty()) {
                    continue;
                }
                String what = r.verb() + " " + (r.apiGroup().isEmpty() ? "" : r.apiGroup() + "/") + r.rbacResource()
                        + (r.namespace().isEmpty() ? " (cluster)" : " in " + r.namespace());
                used.add(what);
                Chart.Grant match =
                        grants.stream().filter(g -> allows(g, r)).findFirst().orElse(null);
                if (match == null || r.code() == 403) {
                    notGranted.add(sa + ": " + what + " -> HTTP " + r.code());
                }
            }
            for (Chart.Grant g : grants) {
                for (String group : g.rule().getApiGroups()) {
                    for (String resource : g.rule().getResources()) {
                        for (String verb : g.rule().getVerbs()) {
                            boolean any = requests.stream()
                                    .anyMatch(r -> r.user().equals(user)
                                            && r.verb().equals(verb)
                                            && r.apiGroup().equals(group)
                                            && r.rbacResource().equals(resource));
                            if (!any) {
                                report.append("  ")
                                        .append(sa)
                                        .append(": granted but not used in this run: ")
                                        .append(verb)
                                        .append(' ')
                                        .append(group.isEmpty() ? "" : group + "/")
                                        .append(resource)
                                        .append('\n');
                            }
                        }
                    }
                }
            }
            report.append("  ").append(sa).append(": used ").append(used).append('\n');
        }
        System.out.println(report);
        assertThat(requests).as("the audit log recorded the run").isNotEmpty();
        assertThat(notGranted).as("requests the chart's RBAC does not grant").isEmpty();
    }

    private static boolean allows(Chart.Grant grant, AuditLog.Request r) {
        PolicyRule rule = grant.rule();
        return (grant.namespace().isEmpty() || grant.namespace().equals(r.namespace()))
                && (rule.getApiGroups().contains("*") || rule.getApiGroups().contains(r.apiGroup()))
                && (rule.getResources().contains("*") || rule.getResources().contains(r.rbacResource()))
                && (rule.getVerbs().contains("*") || rule.getVerbs().contains(r.verb()))
                && (rule.getResourceNames() == null
                        || rule.getResourceNames().isEmpty()
                        || rule.getResourceNames().contains(r.name()));
    }

    private PersistentVolumeClaim claim(String name) {
        return cluster.client()
                .persistentVolumeClaims()
                .inNamespace("lab")
                .withName(name)
                .get();
    }
}
