package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.CsiRequests.unstage;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.NodeGetVolumeStatsRequest;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeCapability.AccessMode.Mode;
import dev.lustrecsi.testing.csi.CsiRequests;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad requests get INVALID_ARGUMENT (or the code CSI names) and leave the node untouched: no mount or unmount is
 * even tried. On the in-memory mounter, so these run as any user.
 */
@ExtendWith(NodePluginExtension.Fake.class)
class NodeRequestValidationTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    private Path outside;

    @BeforeEach
    void start() throws Exception {
        plugin.volumeOnServer("fsv", "pvc-1");
        outside = Files.createDirectories(plugin.root.resolve("outside"));
    }

    private void assertRefused(Status.Code code, Executable call) {
        assertThatThrownBy(call::execute).has(status(code));
        assertThat(plugin.fake.calls())
                .as("nothing may be mounted or unmounted")
                .isEmpty();
    }

    /** NodeStageVolume of {@code stage} fails with INVALID_ARGUMENT and mounts nothing. */
    private void assertStageRefused(NodeStageVolumeRequest.Builder stage) {
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> plugin.node().nodeStageVolume(stage.build()));
    }

    private NodeStageVolumeRequest.Builder stage() {
        return plugin.stage("fsv", "pvc-1");
    }

    @Test
    void forbiddenMountOptionsFromTheVolumeContextOrTheCapability() {
        for (String options : new String[] {
            "suid",
            "flock,dev",
            "remount",
            "exec",
            "context=system_u:object_r:tmp_t",
            "flock,localflock",
            "noflock,x-mount.mkdir",
            "ro,rw"
        }) {
            assertStageRefused(stage().putVolumeContext("mountOptions", options));
        }
        for (String flag : new String[] {"suid", "user_xattr,dev", "nosuid,bind"}) {
            assertStageRefused(
                    stage().setVolumeCapability(CsiRequests.mountCapability(Mode.MULTI_NODE_MULTI_WRITER, flag)));
        }
        assertThatThrownBy(() -> plugin.node()
                        .nodeStageVolume(
                                stage().putVolumeContext("mountOptions", "suid").build()))
                .hasMessageContaining("mount options not allowed: 'suid'");
    }

    @Test
    void traversalAndPathsOutsideKubeletAreRefused() {
        String staging = plugin.staging("x").toString();
        for (String bad : new String[] {
            staging + "/../../../../../../outside",
            outside.toString(),
            "relative/globalmount",
            plugin.kubelet.resolve("plugins").toString(),
            plugin.kubelet.resolve("pods/p/volumes/v/mount").toString(),
            ""
        }) {
            assertStageRefused(stage().setStagingTargetPath(bad));
        }
        NodeStageVolumeRequest good = stage().build();
        NodePublishVolumeRequest publish = plugin.publish(good, "pod").build();
        for (String bad : new String[] {
            plugin.kubelet + "/pods/../../outside",
            outside.toString(),
            plugin.kubelet + "/pods/./p/mount",
            plugin.kubelet + "/pods",
            staging,
            plugin.kubelet + "/podsX/p/mount"
        }) {
            assertRefused(
                    Status.Code.INVALID_ARGUMENT,
                    () -> plugin.node()
                            .nodePublishVolume(
                                    publish.toBuilder().setTargetPath(bad).build()));
            assertRefused(
                    Status.Code.INVALID_ARGUMENT,
                    () -> plugin.node()
                            .nodeUnpublishVolume(unpublish(
                                    publish.toBuilder().setTargetPath(bad).build())));
        }
        assertRefused(
                Status.Code.INVALID_ARGUMENT,
                () -> plugin.node()
                        .nodeUnstageVolume(unstage(good.toBuilder()
                                .setStagingTargetPath(outside.toString())
                                .build())));
        // CSI spec, NodeGetVolumeStats: a path where the volume is not is NOT_FOUND (and nothing is read there).
        assertRefused(
                Status.Code.NOT_FOUND,
                () -> plugin.node()
                        .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                .setVolumeId(good.getVolumeId())
                                .setVolumePath("/etc")
                                .build()));
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void malformedVolumeIdsAreRefused() {
        for (String id : new String[] {
            "",
            "v1:default:pool-a:fsv:..",
            "v1:default:pool-a:fsv:a/b",
            "v1:default:pool-a:toolongfsname:x",
            "v2:default:pool-a:fsv:pvc-1",
            "v1:Default:pool-a:fsv:pvc-1",
            "v1:default:pool-a:fsv:pvc-1\n",
            "x".repeat(300),
            "v1:default:pool-a:fsv:pvc 1"
        }) {
            assertStageRefused(stage().setVolumeId(id));
        }
    }

    @Test
    void blockAccessAndOtherFilesystemTypesAreRefused() {
        VolumeCapability block = VolumeCapability.newBuilder()
                .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_WRITER))
                .build();
        assertStageRefused(stage().setVolumeCapability(block));
        NodeStageVolumeRequest good = stage().build();
        assertRefused(
                Status.Code.INVALID_ARGUMENT,
                () -> plugin.node()
                        .nodePublishVolume(plugin.publish(good, "pod")
                                .setVolumeCapability(block)
                                .build()));
        VolumeCapability ext4 = VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_WRITER))
                .build();
        assertStageRefused(stage().setVolumeCapability(ext4));
        assertStageRefused(stage().clearVolumeCapability());
    }

    @Test
    void aVolumeContextContradictingTheIdIsRefused() {
        assertStageRefused(stage().putVolumeContext("fsName", "other"));
        assertStageRefused(stage().putVolumeContext("subdir", "pvc-9"));
        // A static volume (no LustreFileSystem to ask) names its MGS in the volume context or nowhere.
        assertStageRefused(stage().setVolumeId("v1:::fsv:pvc-1").removeVolumeContext("mgsNids"));
        // A managed one may lack it (created before its MGS had NIDs): asked again later, not refused.
        assertRefused(
                Status.Code.UNAVAILABLE,
                () -> plugin.node()
                        .nodeStageVolume(stage().removeVolumeContext("mgsNids").build()));
        assertRefused(
                Status.Code.INVALID_ARGUMENT,
                () -> plugin.node()
                        .nodeStageVolume(stage().putVolumeContext("mgsNids", "10.7.0.1@tcp;reboot")
                                .build()));
        assertStageRefused(stage().putVolumeContext("mgsNids", "-o remount"));
    }

    @Test
    void anMgsOnlyOnANetworkThisNodeLacksIsAClearPreconditionFailure() {
        assertRefused(
                Status.Code.FAILED_PRECONDITION,
                () -> plugin.node()
                        .nodeStageVolume(stage().putVolumeContext("mgsNids", "192.168.7.1@o2ib")
                                .build()));
        assertThatThrownBy(() -> plugin.node()
                        .nodeStageVolume(stage().putVolumeContext("mgsNids", "192.168.7.1@o2ib")
                                .build()))
                .hasMessageContaining("[o2ib]")
                .hasMessageContaining("[tcp]");
    }
}
