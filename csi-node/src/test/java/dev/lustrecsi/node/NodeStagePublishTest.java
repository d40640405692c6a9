package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.CsiRequests.unstage;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeCapability.AccessMode.Mode;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.testing.csi.CsiRequests;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Stage, publish, unpublish, unstage through the CSI socket, mounting for real in a private namespace. */
@ExtendWith(NodePluginExtension.class)
class NodeStagePublishTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    @Test
    void fullLifecycleTwiceOverWithEveryCallRepeated() throws Exception {
        Path onServer = plugin.volumeOnServer("fsa", "pvc-1");
        NodeStageVolumeRequest stage = plugin.stage("fsa", "pvc-1").build();
        NodePublishVolumeRequest publish = plugin.publish(stage, "pod-1").build();
        Path staging = Path.of(stage.getStagingTargetPath());
        Path target = Path.of(publish.getTargetPath());

        for (int round = 1; round <= 2; round++) {
            plugin.node().nodeStageVolume(stage);
            plugin.node().nodeStageVolume(stage);
            assertThat(plugin.mountsAt(staging)).isEqualTo(1);

            plugin.node().nodePublishVolume(publish);
            plugin.node().nodePublishVolume(publish);
            assertThat(plugin.mountsAt(target)).isEqualTo(1);

            Files.writeString(target.resolve("round-" + round), "data of round " + round);
            assertThat(onServer.resolve("round-" + round)).hasContent("data of round " + round);

            plugin.node().nodeUnpublishVolume(unpublish(publish));
            plugin.node().nodeUnpublishVolume(unpublish(publish));
            assertThat(plugin.mountsAt(target)).isZero();
            assertThat(target).doesNotExist();

            plugin.node().nodeUnstageVolume(unstage(stage));
            plugin.node().nodeUnstageVolume(unstage(stage));
            assertThat(plugin.mountsAt(staging)).isZero();
        }
        // One Lustre client mount per round: repeats found the mount in the mount table.
        assertThat(plugin.standIns.lustreMounts())
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).startsWith("source=10.7.0.1@tcp:/fsa/pvc-1 target=" + staging));
        assertThat(onServer.resolve("round-1")).exists();
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }

    @Test
    void aRestartedPluginFindsTheStagedVolumeAndPublishesIt() throws Exception {
        NodeStageVolumeRequest stage = plugin.stagedVolume("fsb", "pvc-2");

        plugin.restart();

        plugin.node().nodeStageVolume(stage); // kubelet retries stage after the restart
        NodePublishVolumeRequest publish = plugin.published(stage, "pod-2");
        Files.writeString(Path.of(publish.getTargetPath(), "after-restart"), "ok");

        assertThat(plugin.standIns.lustreMounts()).hasSize(1);
        assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isEqualTo(1);
        assertThat(Path.of(stage.getStagingTargetPath(), "after-restart")).hasContent("ok");

        plugin.restart();
        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnstageVolume(unstage(stage));
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }

    @Test
    void readOnlyPublishRefusesWrites() throws Exception {
        NodeStageVolumeRequest stage = plugin.stagedVolume("fsc", "pvc-3");
        Files.writeString(Path.of(stage.getStagingTargetPath(), "existing"), "readable");

        NodePublishVolumeRequest ro =
                plugin.publish(stage, "reader").setReadonly(true).build();
        plugin.node().nodePublishVolume(ro);
        NodePublishVolumeRequest rw = plugin.published(stage, "writer");

        Path roTarget = Path.of(ro.getTargetPath());
        assertThat(roTarget.resolve("existing")).hasContent("readable");
        assertThatThrownBy(() -> Files.writeString(roTarget.resolve("new"), "x"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
        Files.writeString(Path.of(rw.getTargetPath(), "new"), "the writer still writes");
        assertThat(roTarget.resolve("new")).hasContent("the writer still writes");

        // Asking for the same target read-write now contradicts the existing read-only publish.
        assertThatThrownBy(() -> plugin.node()
                        .nodePublishVolume(ro.toBuilder().setReadonly(false).build()))
                .has(status(Status.Code.ALREADY_EXISTS));
    }

    @Test
    void aReaderOnlyAccessModeStagesAndPublishesReadOnly() throws Exception {
        plugin.volumeOnServer("fsd", "pvc-4");
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsd", "pvc-4")
                .setVolumeCapability(CsiRequests.mountCapability(Mode.MULTI_NODE_READER_ONLY)));
        NodePublishVolumeRequest publish = plugin.published(stage, "pod-ro");

        assertThat(plugin.standIns.lustreMounts())
                .singleElement()
                .satisfies(l -> assertThat(l).endsWith("options=ro"));
        assertThatThrownBy(() -> Files.writeString(Path.of(publish.getTargetPath(), "x"), "x"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
    }

    @Test
    void aSingleNodeSingleWriterVolumeIsPublishedToOneTargetAtATime() {
        plugin.volumeOnServer("fsd", "pvc-ssw");
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsd", "pvc-ssw")
                .setVolumeCapability(CsiRequests.mountCapability(Mode.SINGLE_NODE_SINGLE_WRITER)));
        NodePublishVolumeRequest first = plugin.published(stage, "pod-1");
        plugin.node().nodePublishVolume(first); // the same target again: idempotent

        NodePublishVolumeRequest second = plugin.publish(stage, "pod-2").build();
        assertThatThrownBy(() -> plugin.node().nodePublishVolume(second))
                .isInstanceOf(StatusRuntimeException.class)
                .has(status(Status.Code.FAILED_PRECONDITION))
                .hasMessageContaining(first.getTargetPath());
        assertThat(plugin.mountsAt(Path.of(second.getTargetPath()))).isZero();

        plugin.node().nodeUnpublishVolume(unpublish(first));
        plugin.node().nodePublishVolume(second); // once the first is gone, the second may have it
        assertThat(plugin.mountsAt(Path.of(second.getTargetPath()))).isEqualTo(1);
    }

    @Test
    void publishingOntoAFileIsRefusedAndUnpublishLeavesWhatThePluginDidNotMake() throws Exception {
        NodeStageVolumeRequest stage = plugin.stagedVolume("fsd", "pvc-file");
        NodePublishVolumeRequest onFile = plugin.publish(stage, "pod-file").build();
        Path file = Path.of(onFile.getTargetPath());
        Files.createDirectories(file.getParent());
        Files.writeString(file, "kubelet's, not ours");
        assertThatThrownBy(() -> plugin.node().nodePublishVolume(onFile))
                .isInstanceOf(StatusRuntimeException.class)
                .has(status(Status.Code.INVALID_ARGUMENT));
        plugin.node().nodeUnpublishVolume(unpublish(onFile));
        assertThat(file).hasContent("kubelet's, not ours");

        Path emptyDir = Path.of(plugin.publish(stage, "pod-empty").build().getTargetPath());
        Files.createDirectories(emptyDir);
        plugin.node()
                .nodeUnpublishVolume(
                        unpublish(plugin.publish(stage, "pod-empty").build()));
        assertThat(emptyDir).isEmptyDirectory();
    }

    @Test
    void concurrentPublishesOfOneVolumeToSeveralTargets() throws Exception {
        plugin.volumeOnServer("fse", "pvc-5");
        NodeStageVolumeRequest stage = plugin.stage("fse", "pvc-5").build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(() -> plugin.node().nodeStageVolume(stage)); // duplicates racing the first stage
            }
            for (Future<Object> f : pool.invokeAll(calls)) {
                f.get();
            }
            List<NodePublishVolumeRequest> publishes = new ArrayList<>();
            calls.clear();
            for (int pod = 0; pod < 6; pod++) {
                NodePublishVolumeRequest p = plugin.publish(stage, "pod-" + pod).build();
                publishes.add(p);
                calls.add(() -> plugin.node().nodePublishVolume(p));
                calls.add(() -> plugin.node().nodePublishVolume(p)); // and a duplicate of each
            }
            for (Future<Object> f : pool.invokeAll(calls)) {
                f.get();
            }

            assertThat(plugin.standIns.lustreMounts()).hasSize(1);
            for (NodePublishVolumeRequest p : publishes) {
                assertThat(plugin.mountsAt(Path.of(p.getTargetPath()))).isEqualTo(1);
            }
            Files.writeString(Path.of(publishes.get(0).getTargetPath(), "shared"), "seen by all pods");
            for (NodePublishVolumeRequest p : publishes) {
                assertThat(Path.of(p.getTargetPath(), "shared")).hasContent("seen by all pods");
            }

            calls.clear();
            for (NodePublishVolumeRequest p : publishes) {
                calls.add(() -> plugin.node().nodeUnpublishVolume(unpublish(p)));
                calls.add(() -> plugin.node().nodeUnpublishVolume(unpublish(p)));
            }
            for (Future<Object> f : pool.invokeAll(calls)) {
                f.get();
            }
            plugin.node().nodeUnstageVolume(unstage(stage));
            assertThat(plugin.mountsBelowRoot()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void publishBeforeStageFailsWithoutMounting() {
        NodeStageVolumeRequest stage = plugin.stage("fsf", "pvc-6").build();
        NodePublishVolumeRequest publish = plugin.publish(stage, "pod-6").build();
        assertThatThrownBy(() -> plugin.node().nodePublishVolume(publish)).has(status(Status.Code.FAILED_PRECONDITION));
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }

    @Test
    void aMissingVolumeDirectoryOnTheServerFailsAndLeavesNothingMounted() {
        plugin.standIns.serverRoot(NodePlugin.MGS, "fsh");
        NodeStageVolumeRequest stage = plugin.stage("fsh", "never-created").build();
        plugin.assertStageFails(stage, Status.Code.NOT_FOUND, "No such file or directory");
    }

    @Test
    void wholeFilesystemStaticVolumeWithSeveralFailoverMgsNids() throws Exception {
        Path fsRoot = plugin.standIns.serverRoot(NodePlugin.MGS, "fsi");
        NodeStageVolumeRequest stage = NodeStageVolumeRequest.newBuilder()
                .setVolumeId("v1:::fsi:")
                .setStagingTargetPath(plugin.staging("static-fsi").toString())
                .setVolumeCapability(NodePlugin.rwMany())
                .putVolumeContext("mgsNids", NodePlugin.MGS + ",192.168.7.1@o2ib:10.7.0.2@tcp")
                .putVolumeContext("fsName", "fsi")
                .putVolumeContext("mountOptions", "flock,lazystatfs")
                .build();
        plugin.node().nodeStageVolume(stage);
        Files.writeString(Path.of(stage.getStagingTargetPath(), "top"), "whole filesystem");

        assertThat(fsRoot.resolve("top")).hasContent("whole filesystem");
        assertThat(plugin.standIns.lustreMounts())
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .isEqualTo("source=10.7.0.1@tcp,192.168.7.1@o2ib:10.7.0.2@tcp:/fsi target="
                                + stage.getStagingTargetPath() + " options=rw,flock,lazystatfs"));
        assertThat(new MountTable().mountAt(Path.of(stage.getStagingTargetPath())))
                .isPresent();
    }

    @Test
    void theVolumeLimitRefusesANewVolumeButNotARetry(@TempDir Path other) {
        plugin.close();
        plugin = new NodePlugin(other, 1);
        plugin.volumeOnServer("fsj", "pvc-1");
        plugin.volumeOnServer("fsj", "pvc-2");
        NodeStageVolumeRequest first = plugin.staged(plugin.stage("fsj", "pvc-1"));

        assertThatThrownBy(() -> plugin.node()
                        .nodeStageVolume(plugin.stage("fsj", "pvc-2").build()))
                .has(status(Status.Code.RESOURCE_EXHAUSTED));
        plugin.node().nodeStageVolume(first);
        assertThat(plugin.standIns.lustreMounts()).hasSize(1);
        assertThat(plugin.node()
                        .nodeGetInfo(dev.lustrecsi.csi.v1.NodeGetInfoRequest.getDefaultInstance())
                        .getMaxVolumesPerNode())
                .isEqualTo(1);
    }
}
