package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.lustre.mount.FsUsage;
import dev.lustrecsi.lustre.mount.LustreSource;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.Mounter;
import dev.lustrecsi.lustre.mount.UnmountOutcome;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each stage and publish call reads the node's mount table once and answers all its questions from that read
 * (issue 15: publish used to read it about six times); so do unpublish and unstage, which unmount as many mounts as
 * that read found stacked at the path. The mounts are real (private mount namespace); only the reads are counted.
 */
class MountTableReadsTest {
    @TempDir
    Path dir;

    private NodePlugin plugin;
    private final AtomicInteger reads = new AtomicInteger();
    private NodeService node;

    @BeforeEach
    void start() {
        plugin = new NodePlugin(dir);
        Mounter real = plugin.mounter;
        Mounter counted = new Mounter() {
            @Override
            public List<MountInfo> mounts() {
                reads.incrementAndGet();
                return real.mounts();
            }

            @Override
            public Optional<MountInfo> mountAt(Path mountPoint) {
                reads.incrementAndGet();
                return real.mountAt(mountPoint);
            }

            @Override
            public void mountLustre(LustreSource source, Path target, List<String> options) {
                real.mountLustre(source, target, options);
            }

            @Override
            public void bindMount(Path source, Path target, boolean readOnly) {
                real.bindMount(source, target, readOnly);
            }

            @Override
            public UnmountOutcome unmount(Path target) {
                reads.addAndGet(100); // a caller that has read the table should not need this one
                return real.unmount(target);
            }

            @Override
            public UnmountOutcome unmountMounted(Path target) {
                reads.addAndGet(100); // the caller's read counted the stacked mounts: it should not need this
                return real.unmountMounted(target);
            }

            @Override
            public UnmountOutcome unmountMounted(Path target, int stacked) {
                // LinuxMounter reads no table here (only when an unmount finds nothing, which it does not here).
                return real.unmountMounted(target, stacked);
            }

            @Override
            public FsUsage statfs(Path path) {
                return real.statfs(path);
            }
        };
        node = new NodeService(
                new NodeConfig("node-1", 5, new NodePaths(plugin.kubelet), Duration.ofSeconds(20)),
                counted,
                plugin.lnet,
                plugin.stats);
    }

    @AfterEach
    void stop() {
        plugin.close();
    }

    private int readsDuring(Consumer<StreamObserver<Object>> call) {
        reads.set(0);
        Object[] error = {null};
        call.accept(new StreamObserver<>() {
            @Override
            public void onNext(Object value) {}

            @Override
            public void onError(Throwable t) {
                error[0] = t;
            }

            @Override
            public void onCompleted() {}
        });
        assertThat(error[0]).as("the call succeeded").isNull();
        return reads.get();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T> StreamObserver<T> cast(StreamObserver<Object> o) {
        return (StreamObserver) o;
    }

    @Test
    void stagePublishUnpublishAndUnstageEachReadTheMountTableOnce() {
        plugin.volumeOnServer("fsr", "pvc-1");
        NodeStageVolumeRequest stage = plugin.stage("fsr", "pvc-1").build();
        NodePublishVolumeRequest publish = plugin.publish(stage, "pod-1").build();
        NodeUnpublishVolumeRequest unpublish = NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(publish.getVolumeId())
                .setTargetPath(publish.getTargetPath())
                .build();
        NodeUnstageVolumeRequest unstage = NodeUnstageVolumeRequest.newBuilder()
                .setVolumeId(stage.getVolumeId())
                .setStagingTargetPath(stage.getStagingTargetPath())
                .build();

        // --max-volumes is on (5): the staged-volume count comes from the same read.
        assertThat(readsDuring(o -> node.nodeStageVolume(stage, cast(o)))).isEqualTo(1);
        assertThat(readsDuring(o -> node.nodeStageVolume(stage, cast(o))))
                .as("already staged")
                .isEqualTo(1);
        assertThat(readsDuring(o -> node.nodePublishVolume(publish, cast(o)))).isEqualTo(1);
        assertThat(readsDuring(o -> node.nodePublishVolume(publish, cast(o))))
                .as("already published")
                .isEqualTo(1);
        assertThat(plugin.mountsAt(Path.of(publish.getTargetPath()))).isEqualTo(1);

        assertThat(readsDuring(o -> node.nodeUnpublishVolume(unpublish, cast(o))))
                .isEqualTo(1);
        assertThat(plugin.mountsAt(Path.of(publish.getTargetPath()))).isZero();
        assertThat(readsDuring(o -> node.nodeUnpublishVolume(unpublish, cast(o))))
                .as("already gone")
                .isEqualTo(1);
        assertThat(readsDuring(o -> node.nodeUnstageVolume(unstage, cast(o)))).isEqualTo(1);
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }
}
