package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.CsiRequests.unstage;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every Node call repeated, as kubelet retries them (CSI spec: idempotent), mounts or unmounts once, and a call that
 * would put another volume where one is already mounted is refused without touching it. The node's mount table is
 * the only state: checked here on the in-memory mounter (which answers what the kernel's table would), so these run
 * as any user; NodeStagePublishTest repeats the lifecycle with real mounts in a private namespace.
 */
@ExtendWith(NodePluginExtension.Fake.class)
class NodeIdempotencyTest {
    private NodePlugin plugin;

    @Test
    void eachCallRepeatedMountsOrUnmountsOnce() {
        NodeStageVolumeRequest stage = plugin.stage("fsa", "pvc-1").build();
        NodePublishVolumeRequest publish = plugin.publish(stage, "pod-a").build();

        plugin.node().nodeStageVolume(stage);
        plugin.node().nodeStageVolume(stage);
        plugin.node().nodePublishVolume(publish);
        plugin.node().nodePublishVolume(publish);
        assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isEqualTo(1);
        assertThat(plugin.mountsAt(Path.of(publish.getTargetPath()))).isEqualTo(1);

        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnstageVolume(unstage(stage));
        plugin.node().nodeUnstageVolume(unstage(stage));

        assertThat(plugin.fake.calls())
                .containsExactly(
                        // The options the plugin itself asks for: none for this volume (the mount helper adds its own).
                        "mount -t lustre " + NodePlugin.MGS + ":/fsa/pvc-1 " + stage.getStagingTargetPath(),
                        "bind " + stage.getStagingTargetPath() + " " + publish.getTargetPath(),
                        "umount " + publish.getTargetPath(),
                        "umount " + stage.getStagingTargetPath());
        assertThat(plugin.mountsBelowRoot()).isEmpty();
        assertThat(Path.of(publish.getTargetPath())).doesNotExist();
    }

    @Test
    void aStagingPathHoldingAnotherVolumeIsNotReused() {
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsa", "pvc-1"));
        NodeStageVolumeRequest other = plugin.stage("fsa", "pvc-2")
                .setStagingTargetPath(stage.getStagingTargetPath())
                .build();

        assertThatThrownBy(() -> plugin.node().nodeStageVolume(other)).has(status(Status.Code.ALREADY_EXISTS));
        // Nor does unstaging the other volume take the first one's mount away.
        assertThatThrownBy(() -> plugin.node().nodeUnstageVolume(unstage(other)))
                .has(status(Status.Code.FAILED_PRECONDITION));
        assertThat(plugin.fake.calls()).hasSize(1);
        assertThat(plugin.fake.mountAt(Path.of(stage.getStagingTargetPath())))
                .hasValueSatisfying(m -> assertThat(m.lustreFileset()).hasValue("/fsa/pvc-1"));
    }

    @Test
    void aRepeatedPublishAskingForOtherAccessIsRefusedNotRemounted() {
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsa", "pvc-1"));
        NodePublishVolumeRequest publish = plugin.published(stage, "pod-a");

        assertThatThrownBy(() -> plugin.node()
                        .nodePublishVolume(publish.toBuilder().setReadonly(true).build()))
                .has(status(Status.Code.ALREADY_EXISTS));
        assertThat(plugin.fake.calls()).hasSize(2);
        assertThat(plugin.fake.mountAt(Path.of(publish.getTargetPath())))
                .hasValueSatisfying(m -> assertThat(m.readOnly()).isFalse());
    }

    @Test
    void unpublishAndUnstageOfWhatWasNeverMountedSucceedAndTouchNothing() {
        NodeStageVolumeRequest stage = plugin.stage("fsa", "pvc-1").build();
        NodePublishVolumeRequest publish = plugin.publish(stage, "pod-a").build();

        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnstageVolume(unstage(stage));

        assertThat(plugin.fake.calls()).isEmpty();
    }
}
