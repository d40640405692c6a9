package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PV keeps the MGS NIDs of its creation, but on the pod network the MGS VM gets a new address with every
 * virt-launcher pod. NodeStage mounts from where the operator's LustreFileSystem status says the MGS is now, and
 * from the volume context only when the API cannot tell.
 */
class MgsNidsAtStageTest {
    private static final String OLD = NodePlugin.MGS; // 10.7.0.1@tcp, in the volume context
    private static final String NOW = "10.7.0.9@tcp";

    @TempDir
    Path dir;

    private NodePlugin plugin;
    private MockApi api;

    @BeforeEach
    void start() {
        plugin = new NodePlugin(dir);
        api = new MockApi();
    }

    @AfterEach
    void stop() {
        plugin.close();
        api.close();
    }

    private void filesystem(String fsName, String... mgsNids) {
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder()
                .withNamespace("default")
                .withName("pool-a")
                .build());
        fs.getSpec().setFsName(fsName);
        fs.getStatus().setMgsNids(List.of(mgsNids));
        api.client.resource(fs).createOr(r -> r.update());
    }

    private void useApi(KubernetesClient client) {
        plugin.mgsLookup = new KubernetesMgsLookup(client, Duration.ofSeconds(5));
        plugin.restart();
    }

    @Test
    void aVolumeWhoseMgsMovedIsMountedFromTheMgsTheFilesystemReportsNow() throws Exception {
        useApi(api.client);
        filesystem("fsv", NOW);
        plugin.standIns.peerDown(OLD, true); // the old virt-launcher pod and its address are gone
        Path onServer =
                Files.createDirectories(plugin.standIns.serverRoot(NOW, "fsv").resolve("pvc-1"));
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsv", "pvc-1"));

        assertThat(plugin.standIns.lustreMounts())
                .singleElement()
                .asString()
                .startsWith("source=" + NOW + ":/fsv/pvc-1");
        Files.writeString(Path.of(stage.getStagingTargetPath()).resolve("f"), "on the MGS that serves it now");
        assertThat(onServer.resolve("f")).hasContent("on the MGS that serves it now");
        // A retry finds the volume staged (the mount is the same fileset whatever NIDs it came from).
        plugin.node().nodeStageVolume(stage);
        assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isEqualTo(1);
    }

    @Test
    void aFilesystemWithAnMgsFailoverPairIsMountedWithBothNidsSoTheClientFailsOverByItself() throws Exception {
        useApi(api.client);
        String partner = "10.7.0.10@tcp";
        filesystem("fsv", NOW, partner); // status.mgsNids of spec.metadataFailover: the pair's two VMs
        Files.createDirectories(plugin.standIns.serverRoot(NOW, "fsv").resolve("pvc-1"));

        plugin.node().nodeStageVolume(plugin.stage("fsv", "pvc-1").build());

        // mount.lustre(8): <mgsnid>[:<altmgsnid>...]:/<filesystem>; the MGC gets both as failover connections.
        assertThat(plugin.standIns.lustreMounts())
                .singleElement()
                .asString()
                .startsWith("source=" + NOW + ":" + partner + ":/fsv/pvc-1");
    }

    @Test
    void withoutTheApiServerTheVolumeContextsNidsAreUsed() {
        KubernetesClient unreachable = new KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                        .withMasterUrl("https://127.0.0.1:1")
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build();
        try {
            useApi(unreachable);
            plugin.volumeOnServer("fsv", "pvc-1");
            plugin.node().nodeStageVolume(plugin.stage("fsv", "pvc-1").build());
            assertThat(plugin.standIns.lustreMounts())
                    .singleElement()
                    .asString()
                    .startsWith("source=" + OLD + ":/fsv/pvc-1");
        } finally {
            unreachable.close();
        }
    }

    @Test
    void aNameNowHeldByAnotherFilesystemOrGoneLeavesTheVolumeContextInCharge() {
        useApi(api.client);
        plugin.volumeOnServer("fsv", "pvc-1");
        plugin.volumeOnServer("fsv", "pvc-2");
        plugin.node().nodeStageVolume(plugin.stage("fsv", "pvc-1").build());
        filesystem("other", NOW);
        plugin.node().nodeStageVolume(plugin.stage("fsv", "pvc-2").build());
        assertThat(plugin.standIns.lustreMounts())
                .hasSize(2)
                .allSatisfy(m -> assertThat(m).startsWith("source=" + OLD + ":/fsv/"));
    }

    @Test
    void aManagedVolumeCreatedBeforeItsMgsHadNidsWaitsForThem() {
        useApi(api.client);
        NodeStageVolumeRequest stage =
                plugin.stage("fsv", "pvc-1").removeVolumeContext("mgsNids").build();
        filesystem("fsv");
        assertThatThrownBy(() -> plugin.node().nodeStageVolume(stage))
                .isInstanceOf(StatusRuntimeException.class)
                .has(status(Status.Code.UNAVAILABLE))
                .hasMessageContaining("reports no MGS NIDs now");
        assertThat(plugin.standIns.lustreMounts()).isEmpty();

        filesystem("fsv", NOW);
        plugin.node().nodeStageVolume(stage);
        assertThat(plugin.standIns.lustreMounts())
                .singleElement()
                .asString()
                .startsWith("source=" + NOW + ":/fsv/pvc-1");
    }
}
