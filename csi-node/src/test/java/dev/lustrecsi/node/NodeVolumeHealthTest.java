package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.CsiRequests.unstage;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.NodeGetVolumeStatsRequest;
import dev.lustrecsi.csi.v1.NodeGetVolumeStatsResponse;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeUsage;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Volume stats and conditions, and what happens when the Lustre servers stop answering. */
@ExtendWith(NodePluginExtension.class)
class NodeVolumeHealthTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    private NodeGetVolumeStatsResponse stats(NodeStageVolumeRequest stage, String path) {
        return plugin.node()
                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                        .setVolumeId(stage.getVolumeId())
                        .setVolumePath(path)
                        .build());
    }

    private static VolumeUsage usage(NodeGetVolumeStatsResponse r, VolumeUsage.Unit unit) {
        return r.getUsageList().stream()
                .filter(u -> u.getUnit() == unit)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void statsReportBytesAndInodesOfAHealthyVolume() throws Exception {
        NodeStageVolumeRequest stage = plugin.stagedVolume("fss", "pvc-1");
        NodePublishVolumeRequest publish = plugin.published(stage, "pod");
        Files.write(Path.of(publish.getTargetPath(), "blob"), new byte[3 << 20]);
        Files.createDirectories(Path.of(publish.getTargetPath(), "a/b/c"));

        NodeGetVolumeStatsResponse r = stats(stage, publish.getTargetPath());

        assertThat(r.getVolumeCondition().getAbnormal()).isFalse();
        VolumeUsage bytes = usage(r, VolumeUsage.Unit.BYTES);
        assertThat(bytes.getTotal()).isPositive();
        assertThat(bytes.getUsed()).isGreaterThanOrEqualTo(3 << 20);
        assertThat(bytes.getAvailable()).isPositive().isLessThanOrEqualTo(bytes.getTotal() - bytes.getUsed());
        VolumeUsage inodes = usage(r, VolumeUsage.Unit.INODES);
        assertThat(inodes.getUsed()).isGreaterThanOrEqualTo(4);
        assertThat(inodes.getTotal()).isEqualTo(inodes.getUsed() + inodes.getAvailable());
        // The staging path answers too (kubelet may ask for either).
        assertThat(stats(stage, stage.getStagingTargetPath())
                        .getVolumeCondition()
                        .getAbnormal())
                .isFalse();
    }

    @Test
    void aVolumeWhoseMountVanishedIsAbnormal() throws Exception {
        NodeStageVolumeRequest stage = plugin.stagedVolume("fst", "pvc-2");
        NodePublishVolumeRequest publish = plugin.published(stage, "pod");

        // Someone unmounts the pod's view behind the plugin's back.
        Process p = new ProcessBuilder("umount", publish.getTargetPath()).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();

        NodeGetVolumeStatsResponse r = stats(stage, publish.getTargetPath());
        assertThat(r.getVolumeCondition().getAbnormal()).isTrue();
        assertThat(r.getVolumeCondition().getMessage()).contains("not mounted");
        assertThat(r.getUsageList()).isEmpty();
    }

    @Test
    void statsOfAPathThatDoesNotExistIsNotFound() {
        NodeStageVolumeRequest stage = plugin.stage("fsu", "pvc-3").build();
        assertThatThrownBy(() -> stats(stage, plugin.target("nopod", "v").toString()))
                .has(status(Status.Code.NOT_FOUND));
    }

    @Test
    void anOstRetiredByAScaleInLeavesTheVolumesHealthyOnClientsMountedBeforeAndAfter() {
        plugin.standIns.targets("fsr", 1, 3, 1 << 20);
        plugin.volumeOnServer("fsr", "pvc-before");
        plugin.volumeOnServer("fsr", "pvc-after");
        NodeStageVolumeRequest before = plugin.staged(plugin.stage("fsr", "pvc-before"));

        // The operator drains and deactivates OST0002: the mounted client keeps its import FULL with the flags
        // "invalid, deactive"; a client mounted afterwards never connects it (state NEW).
        plugin.standIns.ostActive("fsr", 2, false);
        NodeStageVolumeRequest after = plugin.staged(plugin.stage("fsr", "pvc-after"));

        assertThat(stats(before, before.getStagingTargetPath())
                        .getVolumeCondition()
                        .getAbnormal())
                .isFalse();
        assertThat(stats(after, after.getStagingTargetPath())
                        .getVolumeCondition()
                        .getAbnormal())
                .isFalse();

        // An OST that is really gone still counts.
        plugin.standIns.importState("fsr", "DISCONN");
        assertThat(stats(after, after.getStagingTargetPath())
                        .getVolumeCondition()
                        .getMessage())
                .contains("fsr-OST0000 DISCONN")
                .doesNotContain("fsr-OST0002");
    }

    @Test
    void aHungServerIsReportedAbnormalAndTheVolumeStillUnmounts() throws Exception {
        plugin.standIns.hangServer("fsh", true);
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsh", "pvc-4"));
        NodePublishVolumeRequest publish = plugin.published(stage, "pod");

        NodeGetVolumeStatsResponse r = stats(stage, publish.getTargetPath());
        assertThat(r.getVolumeCondition().getAbnormal()).isTrue();
        assertThat(r.getVolumeCondition().getMessage()).contains("not answering");
        assertThat(r.getUsageList()).isEmpty();
        // Asked again while the first statfs is still stuck in the kernel: answered again.
        assertThat(stats(stage, publish.getTargetPath()).getVolumeCondition().getAbnormal())
                .isTrue();

        // The connection to the server is torn down: the mount is stale, statfs fails at once.
        plugin.standIns.releaseHungServers();
        NodeGetVolumeStatsResponse stale = stats(stage, publish.getTargetPath());
        assertThat(stale.getVolumeCondition().getAbnormal()).isTrue();
        assertThat(stale.getVolumeCondition().getMessage()).contains("stale").contains("not connected");

        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnstageVolume(unstage(stage));
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }

    @Test
    void aMountThatHangsIsBoundedAndLeavesNothingMounted() {
        plugin.volumeOnServer("fsw", "pvc-5");
        plugin.standIns.hangMounts(true);
        NodeStageVolumeRequest stage = plugin.stage("fsw", "pvc-5").build();

        plugin.assertStageFails(stage, Status.Code.DEADLINE_EXCEEDED);

        plugin.standIns.hangMounts(false);
        plugin.node().nodeStageVolume(stage); // kubelet's retry succeeds once the MGS answers
        assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isEqualTo(1);
    }

    @Test
    void unreachableServersFailTheStageAsUnavailableWithLustresError() {
        plugin.volumeOnServer("fsx", "pvc-6");
        plugin.standIns.serverDown("fsx", true);
        NodeStageVolumeRequest stage = plugin.stage("fsx", "pvc-6").build();
        // mount.lustre: "... failed: Connection timed out", exit 110 (real 2.17.0 transcript 149).
        plugin.assertStageFails(stage, Status.Code.UNAVAILABLE, "Connection timed out", "does not answer");
    }

    @Test
    void aFilesetDirectoryThatDoesNotExistIsNotFound() {
        // mount.lustre: "... failed: No such file or directory", exit 2 (real 2.17.0 transcript 138).
        plugin.volumeOnServer("fsn", "other");
        NodeStageVolumeRequest stage = plugin.stage("fsn", "pvc-gone").build();
        plugin.assertStageFails(stage, Status.Code.NOT_FOUND, "No such file or directory", "/pvc-gone does not exist");
    }

    @Test
    void aFilesystemTheMgsDoesNotServeIsNotFound() {
        plugin.standIns.mgsServes(NodePlugin.MGS, "fsa");
        NodeStageVolumeRequest stage = plugin.stage("fsz", "pvc-8").build();
        plugin.assertStageFails(stage, Status.Code.NOT_FOUND, "knows no filesystem fsz");
    }
}
