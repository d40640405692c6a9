package dev.lustrecsi.provisioner.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.ServerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code spec.metadataFailover}: the MGS and the MDS each run as a pair of VMs on two nodes sharing the target disks.
 * When the node of the active VM dies, the operator fences it after the filesystem's grace (NodeFencer, with its
 * guards) and activates the partner, which mounts the targets at once - no VM restart to wait for; clients already
 * know both NIDs. A partition (half the nodes silent) activates nothing.
 */
class MetadataFailoverTest extends NodeFailureFixture {
    @Override
    LustreFileSystem fileSystem() {
        LustreFileSystem fs = super.fileSystem();
        fs.getSpec().setMetadataFailover(true);
        return fs;
    }

    @BeforeEach
    void writeFiles() {
        h.lustre().writeFiles("job", 20, 2);
    }

    @Test
    void eachMetadataServerIsAPairOnTwoNodesSharingItsDisksAndClientsMountWithBothMgsNids() {
        LustreFileSystem fs = h.get("lfs");
        assertThat(h.vmNames()).contains("lfs-mgs", "lfs-mgs-b", "lfs-mds0", "lfs-mds0-b");
        for (String first : List.of("lfs-mgs", "lfs-mds0")) {
            String second = first + "-b";
            assertThat(h.nodeOf(first))
                    .as("%s and its partner on different nodes", first)
                    .isNotEqualTo(h.nodeOf(second));
            ServerStatus a = fs.getStatus().server(first).orElseThrow();
            ServerStatus b = fs.getStatus().server(second).orElseThrow();
            assertThat(a.getActive()).isTrue();
            assertThat(a.getPartner()).isEqualTo(second);
            assertThat(a.readyNow()).isTrue();
            assertThat(b.getActive()).isFalse();
            assertThat(b.getPartner()).isEqualTo(first);
            assertThat(b.readyNow())
                    .as("a passive VM does not mount the targets")
                    .isFalse();
            assertThat(b.getNid()).isNotNull().isNotEqualTo(a.getNid());
        }
        // One disk per metadata target, attached by both VMs of its pair (ReadWriteMany block).
        Map<String, PersistentVolumeClaim> pvcs =
                h.client().persistentVolumeClaims().inNamespace(h.namespace()).list().getItems().stream()
                        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
        assertThat(pvcs.get("lfs-mgt").getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(pvcs.get("lfs-mdt0").getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(pvcs.get("lfs-ost0").getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(h.claimNames("lfs-mds0"))
                .isEqualTo(h.claimNames("lfs-mds0-b"))
                .containsExactly("lfs-mdt0");

        // The CSI driver joins status.mgsNids with ':' into the volume context and the mount source.
        List<String> nids = fs.getStatus().getMgsNids();
        assertThat(nids)
                .containsExactly(
                        fs.getStatus().server("lfs-mgs").orElseThrow().getNid(),
                        fs.getStatus().server("lfs-mgs-b").orElseThrow().getNid());
        assertThat(MgsNids.parse(String.join(":", nids)).nodes()).hasSize(2);
        assertThat(h.lustre().activations())
                .as("the passive VMs were never activated")
                .noneMatch(v -> v.endsWith("-b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lfs-mds0", "lfs-mgs"})
    void whenTheActiveVmsNodeDiesThePartnerTakesOverOnceTheNodeIsFenced(String first) {
        String second = first + "-b";
        String dead = h.nodeOf(first);
        String standbyNode = h.nodeOf(second);
        List<String> mgsNids = h.get("lfs").getStatus().getMgsNids();
        nodes.dies(dead, now.minus(Duration.ofMinutes(3)));
        h.run("lfs", 10);
        assertThat(h.get("lfs").getStatus().server(first).orElseThrow().getActive())
                .as("nothing moves before the node is fenced")
                .isTrue();
        assertThat(h.lustre().activations()).doesNotContain(second);

        long fencedAt = System.nanoTime();
        int passesBefore = h.passes();
        assertThat(fencer.round()).containsExactly(dead);
        h.runUntil("lfs", f -> f.getStatus().server(second).orElseThrow().readyNow(), 4);
        long takeoverMillis = (System.nanoTime() - fencedAt) / 1_000_000;
        int takeoverPasses = h.passes() - passesBefore;
        // Other servers of the dead node (OSSs) restart meanwhile, the old way; the filesystem is Ready after them.
        LustreFileSystem back = h.runUntil(
                "lfs",
                f -> f.getStatus().getPhase() == Phase.Ready
                        && f.getStatus().server(second).orElseThrow().readyNow(),
                20);
        System.out.printf(
                "METADATA FAILOVER %s -> %s: partner serving %d ms / %d operator passes after the fencing round;"
                        + " filesystem Ready after %d ms / %d passes%n",
                first,
                second,
                takeoverMillis,
                takeoverPasses,
                (System.nanoTime() - fencedAt) / 1_000_000,
                h.passes() - passesBefore);

        assertThat(back.getStatus().server(second).orElseThrow().getActive()).isTrue();
        assertThat(back.getStatus().server(first).orElseThrow().getActive()).isFalse();
        assertThat(h.nodeOf(second))
                .as("the partner did not restart: it was already running")
                .isEqualTo(standbyNode);
        assertThat(h.kubevirt().boots(second)).isEqualTo(1);
        assertThat(back.getStatus().getMgsNids())
                .as("clients' mount source unchanged")
                .isEqualTo(mgsNids);
        assertThat(h.eventReasons()).contains("ServerNodeFenced", "FailedOver");
        assertThat(h.lustre().lostFiles()).isEmpty();

        // The old active VM comes back elsewhere, passive: its partner keeps the targets.
        h.runUntil("lfs", f -> "Running".equals(h.vmiPhase(first)) && !dead.equals(h.nodeOf(first)), 20);
        int activationsOfFirst =
                (int) h.lustre().activations().stream().filter(first::equals).count();
        h.run("lfs", 10);
        LustreFileSystem settled = h.get("lfs");
        assertThat(settled.getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(settled.getStatus().server(first).orElseThrow().getActive()).isFalse();
        assertThat(settled.getStatus().server(first).orElseThrow().readyNow()).isFalse();
        assertThat(h.lustre().activations().stream().filter(first::equals).count())
                .as("the old active VM is not activated again")
                .isEqualTo(activationsOfFirst);
        assertThat(h.nodeOf(first)).isNotEqualTo(h.nodeOf(second));
    }

    @Test
    void whenHalfTheNodesGoSilentAtOnceNoPartnerIsActivated() {
        String node = h.nodeOf("lfs-mds0");
        nodes.dies(node, now.minus(Duration.ofMinutes(10)));
        nodes.dies(nodes.other(node), now.minus(Duration.ofMinutes(10)));

        assertThat(fencer.round()).isEmpty();
        h.run("lfs", 15);
        LustreFileSystem fs = h.get("lfs");
        assertThat(fs.getStatus().server("lfs-mds0").orElseThrow().getActive()).isTrue();
        assertThat(fs.getStatus().server("lfs-mgs").orElseThrow().getActive()).isTrue();
        assertThat(h.lustre().activations()).noneMatch(v -> v.endsWith("-b"));
        assertThat(h.eventReasons()).doesNotContain("FailedOver");
        assertThat(h.nodeOf("lfs-mds0")).isEqualTo(node);
    }

    @Test
    void aRollingUpgradeRestartsEachPairsPassiveVmFirstThenFailsThePairOverToIt() {
        h.editSpec("lfs", s -> {
            s.setLustreVersion("2.16.1");
            s.setImage("registry.example.org/lustre/server:2.16.1");
        });
        List<Phase> phases = new java.util.ArrayList<>();
        for (int i = 0; i < 200 && !upgraded(h.get("lfs")); i++) {
            h.reconcile("lfs");
            phases.add(h.get("lfs").getStatus().getPhase());
            h.kubevirt().tick();
        }
        LustreFileSystem fs = h.get("lfs");
        assertThat(upgraded(fs)).as("every VM, passive ones too, runs 2.16.1").isTrue();
        List<String> order = h.events().stream()
                .filter(e -> e.getReason().equals("UpgradingServer"))
                .map(e -> e.getMessage().substring(0, e.getMessage().indexOf(' ')))
                .toList();
        assertThat(order)
                .as("each VM restarted once; of a pair the passive one first")
                .containsExactly("lfs-oss0", "lfs-oss1", "lfs-mds0-b", "lfs-mds0", "lfs-mgs-b", "lfs-mgs");
        assertThat(fs.getStatus().server("lfs-mds0-b").orElseThrow().getActive())
                .isTrue();
        assertThat(fs.getStatus().server("lfs-mgs-b").orElseThrow().getActive()).isTrue();
        assertThat(h.eventReasons().stream().filter("FailedOver"::equals)).hasSize(2);
        assertThat(phases).doesNotContain(Phase.Degraded);
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    private static boolean upgraded(LustreFileSystem fs) {
        return fs.getStatus().getPhase() == Phase.Ready
                && "2.16.1".equals(fs.getStatus().getLustreVersion());
    }
}
