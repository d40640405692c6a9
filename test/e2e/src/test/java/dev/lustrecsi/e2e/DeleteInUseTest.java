package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.StagedFilesets;
import dev.lustrecsi.model.ApiTime;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A claim deleted while a pod still uses its volume: the provisioner's DeleteVolume is refused with
 * FAILED_PRECONDITION naming the node (the node plugin lists the volume on its Node), the data stays, and the
 * volume goes once the pod has stopped and the node has unstaged it.
 */
class DeleteInUseTest extends ClusterTest {
    private Story s;

    @BeforeAll
    void nodeReady() {
        s = new Story(cluster, "in-use");
        // kubelet registers its Node (Ready) before any plugin runs; the mock API server has none until we make it.
        // The KubeVirt simulator, like KubeVirt, then starts the server VMs only on Ready nodes.
        cluster.client()
                .nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(LocalCluster.NODE)
                        .endMetadata()
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus("True")
                        .withReason("KubeletReady")
                        .withLastHeartbeatTime(ApiTime.time(Instant.now()))
                        .withLastTransitionTime(ApiTime.time(Instant.now()))
                        .endCondition()
                        .endStatus()
                        .build())
                .create();
    }

    private String nodeRecord() {
        Map<String, String> a = cluster.client()
                .nodes()
                .withName(LocalCluster.NODE)
                .get()
                .getMetadata()
                .getAnnotations();
        // The plugin removes the annotation with a merge patch (null); the mock API server may keep the key, as null.
        return a == null || a.get(StagedFilesets.ANNOTATION) == null ? "" : a.get(StagedFilesets.ANNOTATION);
    }

    @Test
    void aVolumeDeletedWhileAPodUsesItKeepsItsDataUntilThePodStopsAndTheNodeUnstagesIt() throws Exception {
        PersistentVolume pv = s.claimAndBind("100Gi", "busy");
        String name = pv.getMetadata().getName();
        Path inPod = s.kubelet.startPod(pv, "pod-busy");
        Files.writeString(inPod.resolve("results.csv"), "still needed\n");
        Path onServer = cluster.poolOnServer().resolve(name);
        assertThat(nodeRecord()).contains("/" + LocalCluster.FS_NAME + "/" + name);

        s.deleteClaims("busy");
        await().atMost(Story.PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            s.provisioner.sync();
            return s.provisioner.lastErrors().getOrDefault(name, "").startsWith("FAILED_PRECONDITION");
        });
        assertThat(s.provisioner.lastErrors().get(name)).contains(LocalCluster.NODE);
        assertThat(onServer.resolve("results.csv")).hasContent("still needed");
        assertThat(s.ledger()).containsKey(name);
        assertThat(cluster.client().persistentVolumes().withName(name).get()).isNotNull();

        // The pod stops, but the volume is still staged on the node: still refused.
        s.kubelet.stopPod(pv, "pod-busy");
        s.provisioner.sync();
        Thread.sleep(2_500);
        s.provisioner.sync();
        assertThat(s.provisioner.lastErrors().get(name)).startsWith("FAILED_PRECONDITION");
        assertThat(onServer.resolve("results.csv")).exists();

        // The node unstages it (kubelet does once no pod on the node uses it): now it goes.
        s.kubelet.unstage(pv);
        assertThat(nodeRecord()).doesNotContain(name);
        s.awaitReleased("busy");
        await().atMost(Story.PATIENCE).until(() -> !s.ledger().containsKey(name));
        assertThat(onServer).doesNotExist();
    }
}
