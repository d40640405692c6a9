package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.controller.VolumeRecord;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The user's story on the whole product: claims are provisioned through the CSI socket into a shared pool that
 * the operator brings up, two pods share a volume, a burst of claims scales the pool out, a crashed server VM
 * comes back, and deleting the claims scales it in. Also: the README's demo plays through.
 */
class UserStoryTest extends ClusterTest {
    @Override
    LocalCluster startCluster() {
        return Story.startClusterOnRealControlPlaneIfAvailable("story");
    }

    @Test
    void claimsAreServedSharedScaledOutRecoveredAndScaledIn() throws Exception {
        Story s = new Story(cluster, "lab");
        s.claim("100Gi", "data-a", "data-b");
        List<PersistentVolume> pvs = s.awaitBound("data-a", "data-b");
        LustreFileSystem pool = s.awaitPoolSettled();

        // Volumes are directories of the pool, reachable through the MGS the operator reports.
        PersistentVolume a = pvs.get(0);
        assertThat(a.getSpec().getCsi().getVolumeHandle())
                .startsWith("v1:" + LocalCluster.NAMESPACE + ":" + LocalCluster.POOL + ":" + LocalCluster.FS_NAME
                        + ":pvc-");
        assertThat(a.getSpec().getCsi().getVolumeAttributes())
                .containsEntry(
                        VolumeContextKeys.MGS_NIDS,
                        String.join(":", pool.getStatus().getMgsNids()));
        Map<String, VolumeRecord> ledger = s.ledger();
        assertThat(ledger)
                .containsOnlyKeys(
                        a.getMetadata().getName(), pvs.get(1).getMetadata().getName());
        assertThat(ledger.values()).extracting(VolumeRecord::state).containsOnly(dev.lustrecsi.model.VolumeState.Ready);
        assertThat(ledger.values()).extracting(VolumeRecord::projectId).doesNotHaveDuplicates();
        assertThat(s.volumeDirsOnServer()).containsExactlyInAnyOrderElementsOf(ledger.keySet());

        // Two pods on the node share data-a: one Lustre mount at staging, one bind mount per pod.
        Path writer = s.kubelet.startPod(a, "pod-writer");
        Path reader = s.kubelet.startPod(a, "pod-reader");
        Files.writeString(writer.resolve("result.txt"), "42\n");
        assertThat(Files.readString(reader.resolve("result.txt"))).isEqualTo("42\n");
        assertThat(cluster.poolOnServer().resolve(a.getMetadata().getName()).resolve("result.txt"))
                .hasContent("42");
        assertThat(Story.mountsAt(s.kubelet.stagingPath(a))).isEqualTo(1);
        assertThat(Story.mountsAt(writer)).isEqualTo(1);
        assertThat(Story.mountsAt(reader)).isEqualTo(1);

        // A burst of claims: the controller raises the pool's OST count and the operator brings the OSTs up.
        int before = pool.getSpec().getOstCount();
        s.claim("100Gi", "burst-0", "burst-1", "burst-2", "burst-3");
        s.awaitBound("burst-0", "burst-1", "burst-2", "burst-3");
        LustreFileSystem grown = s.awaitPoolSettled();
        assertThat(grown.getSpec().getOstCount()).isGreaterThan(before);

        // An OSS crashes: KubeVirt boots it again, the filesystem comes back to Ready, the data is still there.
        String victim = cluster.ossVms().get(cluster.ossVms().size() - 1);
        int boots = cluster.kubevirt().boots(victim);
        cluster.kubevirt().failVmi(victim);
        await().atMost(Story.PATIENCE).until(() -> cluster.kubevirt().boots(victim) > boots);
        s.awaitPoolSettled();
        assertThat(Files.readString(reader.resolve("result.txt"))).isEqualTo("42\n");

        // Pods stop, claims go: no mounts, no volumes, no directories left; the pool shrinks.
        s.kubelet.stopPod(a, "pod-writer");
        s.kubelet.stopPod(a, "pod-reader");
        s.kubelet.unstage(a);
        assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
        List<String> all = List.of("data-a", "data-b", "burst-0", "burst-1", "burst-2", "burst-3");
        s.deleteClaims(all.toArray(String[]::new));
        s.awaitReleased(all.toArray(String[]::new));
        assertThat(s.ledger()).isEmpty();
        assertThat(s.volumeDirsOnServer()).isEmpty();
        LustreFileSystem shrunk = s.awaitPoolSettled();
        assertThat(shrunk.getSpec().getOstCount()).isLessThan(grown.getSpec().getOstCount());
        assertThat(shrunk.getStatus().getRetiredOstIndexes()).isNotEmpty();
        assertThat(cluster.lustre().lostFiles()).isEmpty();
    }

    @Test
    void theDemoPlaysThroughAndLeavesNothingBehind() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            new LocalDemo(cluster, false).play();
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertThat(out).contains("== step 5:", "All steps done.");
        assertThat(out).containsPattern("pod-reader read .*results.txt: written by pod-writer");
        assertThat(cluster.client()
                        .persistentVolumeClaims()
                        .inNamespace("research")
                        .list()
                        .getItems())
                .isEmpty();
        assertThat(cluster.client().persistentVolumes().list().getItems())
                .noneMatch(pv -> "research".equals(pv.getSpec().getClaimRef().getNamespace()));
        assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
        assertThat(Story.settled(cluster.pool())).isTrue();
    }
}
