package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An upgrade of the node plugin, as the chart's DaemonSet rolls it out (updateStrategy RollingUpdate): the old pod
 * gets SIGTERM and exits, the new one starts and the kubelet registers it again. The kernel's Lustre mounts are not
 * the plugin's: a pod writing to its volume all through the restart never sees an error, and the staging and
 * publish mounts are the same mounts afterwards (same mount IDs), not mounted again.
 */
class NodePluginUpgradeTest extends ClusterTest {
    @Test
    void aRollingRestartOfTheNodePluginLeavesMountedVolumesAndTheirWritersUndisturbed() throws Exception {
        Story s = new Story(cluster, "upgrade");
        PersistentVolume pv = s.claimAndBind("10Gi", "data");
        Path dir = s.kubelet.startPod(pv, "writer");
        Path staging = s.kubelet.stagingPath(pv);
        List<String> mountsBefore = List.of(mountId(staging), mountId(dir));

        // A pod appends a line every 10 ms through its open file, before, during and after the restart.
        Path file = dir.resolve("journal");
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        // A FileOutputStream (not an NIO channel, which an interrupt would close): a plain write(2) per line.
        Thread writer = new Thread(() -> {
            try (var out = new FileOutputStream(file.toFile(), true)) {
                while (!done.get()) {
                    out.write(("line " + written.get() + "\n").getBytes(StandardCharsets.UTF_8));
                    written.incrementAndGet();
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                failure.set(e);
            }
        });
        writer.start();
        try {
            awaitMore(written, 20);
            cluster.node().terminate(); // SIGTERM: the DaemonSet controller deleted the old pod
            assertThat(cluster.node().isAlive()).isFalse();
            int duringDowntime = written.get();
            awaitMore(written, duringDowntime + 20);
            assertThat(Story.mountsAt(staging))
                    .as("the plugin's exit unmounted nothing")
                    .isEqualTo(1);
            assertThat(Story.mountsAt(dir)).isEqualTo(1);

            cluster.node().start(); // the new version's pod
            // The kubelet re-issues stage and publish for running pods after the plugin registers again.
            assertThat(s.kubelet.startPod(pv, "writer")).isEqualTo(dir);
            awaitMore(written, written.get() + 20);
        } finally {
            done.set(true);
            writer.join(10_000);
        }
        assertThat(failure.get()).as("the writer never saw an error").isNull();
        assertThat(List.of(mountId(staging), mountId(dir)))
                .as("the same mounts, not new ones")
                .isEqualTo(mountsBefore);
        assertThat(Story.mountsAt(staging)).isEqualTo(1);
        assertThat(Story.mountsAt(dir)).isEqualTo(1);
        List<String> lines = Files.readAllLines(file);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < written.get(); i++) {
            expected.add("line " + i);
        }
        assertThat(lines).as("every line the pod wrote is there, in order").isEqualTo(expected);

        s.kubelet.stopPod(pv, "writer");
        s.kubelet.unstage(pv);
        assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
    }

    private static void awaitMore(AtomicInteger counter, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (counter.get() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the writer stalled at " + counter.get() + " lines");
            }
            Thread.sleep(10);
        }
    }

    /** The mount ID (first field of /proc/self/mountinfo) of the mount at {@code path}: a new mount gets a new ID. */
    private static String mountId(Path path) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" "))
                    .filter(f -> Path.of(f[4].replace("\\040", " ")).equals(path))
                    .map(f -> f[0])
                    .reduce((a, b) -> {
                        throw new AssertionError("more than one mount at " + path);
                    })
                    .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
