package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.controller.VolumeRecord;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The plugins die (SIGKILL) at the worst moments and are started again; state lives only in the API server and
 * the mount table, so the restarted plugin finishes the work: no orphan, no duplicate, no double mount.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginRestartTest extends ClusterTest {
    /** Whatever a test killed runs again for the next one, even when the test failed half-way. */
    @AfterEach
    void everythingRunsAgain() {
        if (!cluster.controller().isAlive()) {
            cluster.controller().start();
        }
        if (!cluster.node().isAlive()) {
            cluster.node().start();
        }
        cluster.startOperator();
    }

    /**
     * Claims {@code claim} with the quota step failing as with a lost Lustre server, and waits until CreateVolume
     * has left the volume half-done: its record and directory exist, the volume is not done. The failure stays on:
     * the caller turns it off.
     */
    private static String claimHalfDone(Story s, String claim) {
        s.awaitPoolSettled();
        s.marker("down/lfs-setquota", true);
        s.claim("100Gi", claim);
        String volume = s.volumeName(claim);
        await().atMost(Story.PATIENCE).until(() -> {
            s.provisioner.sync();
            return s.ledger().containsKey(volume) && s.volumeDirsOnServer().contains(volume);
        });
        return volume;
    }

    @Test
    @Order(1)
    void controllerKilledWhileCreateVolumeWaitsForANewPoolLeavesOneVolumeAndOnePool() throws Exception {
        Story s = new Story(cluster, "first");
        // No operator yet: the first CreateVolume creates the pool and waits for it to become Ready.
        cluster.killOperator();
        s.claim("100Gi", "first");
        CompletableFuture<Integer> inFlight = CompletableFuture.supplyAsync(s.provisioner::sync);
        String volume = s.volumeName("first");
        await().atMost(Story.PATIENCE)
                .until(() -> cluster.pool() != null && s.ledger().containsKey(volume));
        cluster.controller().kill();
        assertThat(inFlight.get()).as("nothing was bound by the killed call").isZero();

        cluster.controller().start();
        cluster.startOperator();
        PersistentVolume pv = s.awaitBound("first").get(0);

        s.assertTheOnlyVolume(pv, volume);
    }

    @Test
    @Order(2)
    void controllerKilledHalfWayThroughCreateVolumeFinishesTheSameVolumeOnRetry() {
        Story s = new Story(cluster, "halfway");
        try {
            String volume = claimHalfDone(s, "halfway");
            assertThat(s.provisioner.errorCodes()).contains(Status.Code.INTERNAL);
            assertThat(s.ledger().get(volume).state()).isEqualTo(dev.lustrecsi.model.VolumeState.Creating);
            cluster.controller().kill();
            s.marker("down/lfs-setquota", false);
            cluster.controller().start();

            PersistentVolume pv = s.awaitBound("halfway").get(0);
            assertThat(pv.getMetadata().getName()).isEqualTo(volume);
            Map<String, VolumeRecord> ledger = s.ledger();
            assertThat(ledger.get(volume).state()).isEqualTo(dev.lustrecsi.model.VolumeState.Ready);
            assertThat(ledger.values()).extracting(VolumeRecord::projectId).doesNotHaveDuplicates();
            assertThat(s.volumeDirsOnServer()).contains(volume);
            assertThat(cluster.client().persistentVolumes().list().getItems())
                    .filteredOn(p -> "halfway".equals(p.getSpec().getClaimRef().getNamespace()))
                    .hasSize(1);
        } finally {
            s.marker("down/lfs-setquota", false);
        }
    }

    @Test
    @Order(3)
    void aClaimDeletedWhileTheControllerIsDownLeavesNoOrphan() {
        Story s = new Story(cluster, "orphan");
        String volume;
        try {
            volume = claimHalfDone(s, "gone");
            cluster.controller().kill();
            s.deleteClaims("gone");
        } finally {
            s.marker("down/lfs-setquota", false);
        }
        cluster.controller().start();
        // The restarted controller's orphan collector finds the unfinished volume whose claim is gone.
        await().atMost(Story.PATIENCE).until(() -> !s.ledger().containsKey(volume));
        assertThat(s.volumeDirsOnServer()).doesNotContain(volume);
        assertThat(cluster.client().persistentVolumes().list().getItems())
                .noneMatch(p -> p.getMetadata().getName().equals(volume));
    }

    @Test
    @Order(4)
    void nodePluginRestartedWithVolumesStagedAndPublishedKeepsOneMountEachAndUnpublishes() throws Exception {
        Story s = new Story(cluster, "node");
        PersistentVolume pv = s.claimAndBind("10Gi", "shared");
        Path one = s.kubelet.startPod(pv, "pod-1");
        Path two = s.kubelet.startPod(pv, "pod-2");
        Files.writeString(one.resolve("before-restart"), "x");

        cluster.node().kill();
        cluster.node().start();
        // kubelet re-issues stage and publish for running pods after a plugin restart: both find their mounts.
        assertThat(s.kubelet.startPod(pv, "pod-1")).isEqualTo(one);
        assertThat(s.kubelet.startPod(pv, "pod-2")).isEqualTo(two);
        assertThat(Story.mountsAt(s.kubelet.stagingPath(pv))).isEqualTo(1);
        assertThat(Story.mountsAt(one)).isEqualTo(1);
        assertThat(Story.mountsAt(two)).isEqualTo(1);
        assertThat(two.resolve("before-restart")).exists();

        s.kubelet.stopPod(pv, "pod-1");
        s.kubelet.stopPod(pv, "pod-2");
        s.kubelet.unstage(pv);
        assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
        assertThat(one).doesNotExist();
    }
}
