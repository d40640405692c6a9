package dev.lustrecsi.provisioner.reconcile;

import static dev.lustrecsi.provisioner.sim.OperatorHarness.settled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scale out adds OSS VMs with the next OST indexes; scale in drains OSTs before removing their servers. */
class ScalingTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @BeforeEach
    void bootstrap() {
        h.create(Fixtures.tcp("demo", 4));
        h.runUntil("demo", settled(4), 60);
        h.lustre().writeFiles("before", 120, 2);
    }

    @AfterEach
    void close() {
        h.close();
    }

    /** Runs passes until settled, recording every phase seen. */
    private Set<Phase> runRecordingPhases(int osts, int max) {
        Set<Phase> phases = new HashSet<>();
        for (int i = 0; i < max; i++) {
            h.reconcile("demo");
            LustreFileSystem fs = h.get("demo");
            phases.add(fs.getStatus().getPhase());
            if (settled(osts).test(fs)) {
                return phases;
            }
            h.kubevirt().tick();
        }
        throw new AssertionError("did not settle at " + osts + " OSTs; events " + h.eventReasons());
    }

    @Test
    void scalesFourToEightToTwoWithoutLosingAFile() {
        Set<Phase> growing = runRecordingPhasesAfter(8);
        assertThat(growing).contains(Phase.Scaling);
        LustreFileSystem eight = h.get("demo");
        assertThat(h.vmNames())
                .containsExactly(
                        "demo-mds0",
                        "demo-oss0",
                        "demo-oss1",
                        "demo-oss2",
                        "demo-oss3",
                        "demo-oss4",
                        "demo-oss5",
                        "demo-oss6",
                        "demo-oss7");
        assertThat(eight.getStatus().getCapacityBytes()).isEqualTo(8 * (100L << 30));
        assertThat(h.userData("demo-oss5")).contains("--ost --index=5 ");
        h.lustre().writeFiles("after-growth", 200, 3);
        int files = h.lustre().fileCount();
        assertThat(h.lustre().filesOn(7)).isNotEmpty();

        h.editSpec("demo", s -> s.setOstCount(2));
        List<Phase> seen = new ArrayList<>(runRecordingPhases(2, 400));
        assertThat(seen).contains(Phase.Scaling);

        LustreFileSystem two = h.get("demo");
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
        assertThat(h.pvcNames()).containsExactly("demo-mdt0", "demo-ost0", "demo-ost1");
        assertThat(two.getStatus().getRetiredOstIndexes()).containsExactlyInAnyOrder(2, 3, 4, 5, 6, 7);
        assertThat(two.getStatus().getTargets())
                .extracting(t -> t.getName())
                .containsExactly("lfs1-MDT0000", "lfs1-OST0000", "lfs1-OST0001");
        assertThat(two.getStatus().getCapacityBytes()).isEqualTo(2 * (100L << 30));
        assertThat(h.lustre().fileCount()).isEqualTo(files);
        assertThat(h.lustre().lostFiles()).isEmpty();
        for (int ost = 2; ost < 8; ost++) {
            assertThat(h.lustre().filesOn(ost)).as("OST %d emptied", ost).isEmpty();
        }
        assertThat(h.lustre().deactivatedOsts()).containsExactly(2, 3, 4, 5, 6, 7);
        assertThat(h.eventReasons()).contains("DrainingOst", "MigratedFiles", "OstDrained", "ServerRemoved");
        assertDrainOrder("lfs1-OST0007", "demo-oss7");
    }

    private Set<Phase> runRecordingPhasesAfter(int osts) {
        h.editSpec("demo", s -> s.setOstCount(osts));
        return runRecordingPhases(osts, 80);
    }

    /** Per the manual: stop creation on the MDT, migrate, only then deactivate on the MGS; the VM goes after. */
    private void assertDrainOrder(String ost, String server) {
        List<String> log = h.lustre().log();
        int stop = indexOf(log, "demo-mds0: lctl set_param osp." + ost + "-osc-MDT0000.max_create_count=0");
        int migrate = indexOf(log.subList(stop + 1, log.size()), "demo-mds0: lfs migrate") + stop + 1;
        int lastFind = log.lastIndexOf(log.stream()
                .filter(l -> l.startsWith("demo-mds0: lfs find --ost " + ost + "_UUID"))
                .reduce((a, b) -> b)
                .orElseThrow());
        int deactivate = indexOf(log, "demo-mds0: lctl conf_param " + ost + ".osc.active=0");
        assertThat(stop).isGreaterThanOrEqualTo(0);
        assertThat(migrate).isGreaterThan(stop);
        assertThat(log.subList(stop, deactivate))
                .as("only find/migrate on the client between")
                .allMatch(l -> l.startsWith("demo-mds0: lfs ")
                        || l.startsWith("demo-mds0: mountpoint")
                        || l.equals(log.get(stop)));
        assertThat(deactivate).isGreaterThan(lastFind).isGreaterThan(migrate);
        assertThat(h.vmNames()).doesNotContain(server);
    }

    private static int indexOf(List<String> log, String prefix) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void anOstStillHoldingObjectsIsNeverRemoved() {
        String pinned = h.lustre().filesOn(3).iterator().next();
        h.lustre().markBusy(pinned, true);
        h.editSpec("demo", s -> s.setOstCount(3));
        h.run("demo", 40);

        LustreFileSystem fs = h.get("demo");
        assertThat(h.vmNames()).contains("demo-oss3");
        assertThat(h.pvcNames()).contains("demo-ost3");
        assertThat(fs.getStatus().target("lfs1-OST0003").orElseThrow().getState())
                .isEqualTo(TargetState.Draining);
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Scaling);
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(3);
        assertThat(fs.getStatus().getCapacityBytes())
                .as("a draining OST is not capacity")
                .isEqualTo(3 * (100L << 30));
        assertThat(h.lustre().filesOn(3)).containsExactly(pinned);
        assertThat(h.lustre().deactivatedOsts()).isEmpty();
        assertThat(h.eventReasons()).contains("MigrationFailed");
        assertThat(h.lustre().lostFiles()).isEmpty();

        h.lustre().markBusy(pinned, false);
        h.runUntil("demo", settled(3), 40);
        assertThat(h.vmNames()).doesNotContain("demo-oss3");
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    @Test
    void scalingOutAfterScalingInNeverReusesARetiredIndex() {
        h.editSpec("demo", s -> s.setOstCount(2));
        h.runUntil("demo", settled(2), 200);
        h.editSpec("demo", s -> s.setOstCount(4));
        LustreFileSystem fs = h.runUntil("demo", settled(4), 60);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss4", "demo-oss5");
        assertThat(fs.getStatus().getTargets())
                .extracting(t -> t.getName())
                .containsExactly("lfs1-MDT0000", "lfs1-OST0000", "lfs1-OST0001", "lfs1-OST0004", "lfs1-OST0005");
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    @Test
    void operatorRestartedRepeatedlyDuringScaleInFinishesTheDrainWithoutDuplicatesOrLoss() {
        h.editSpec("demo", s -> s.setOstCount(8));
        h.run("demo", 3);
        h.restartOperator();
        h.runUntil("demo", settled(8), 80);
        h.lustre().writeFiles("more", 100, 2);
        h.editSpec("demo", s -> s.setOstCount(2));
        for (int round = 0; round < 200 && !settled(2).test(h.get("demo")); round++) {
            h.run("demo", 2);
            h.restartOperator();
            assertThat(h.vmNames().stream()
                            .filter(n -> n.startsWith("demo-oss"))
                            .count())
                    .isLessThanOrEqualTo(8);
        }
        assertThat(settled(2).test(h.get("demo"))).isTrue();
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
        assertThat(h.lustre().lostFiles()).isEmpty();
        assertThat(h.lustre().fileCount()).isEqualTo(220);
    }

    @Test
    void withSeveralMdtsEveryMdsStopsCreatingObjectsOnTheDrainedOst() {
        try (OperatorHarness dne = new OperatorHarness("lfs1")) {
            var fs = dev.lustrecsi.provisioner.Fixtures.tcp("dne", 3);
            fs.getSpec().setMdtCount(2);
            dne.create(fs);
            dne.runUntil("dne", settled(3), 60);
            dne.lustre().writeFiles("d", 30, 1);
            dne.editSpec("dne", s -> s.setOstCount(2));
            dne.runUntil("dne", settled(2), 60);
            assertThat(dne.lustre().log())
                    .contains(
                            "dne-mds0: lctl set_param osp.lfs1-OST0002-osc-MDT0000.max_create_count=0",
                            "dne-mds1: lctl set_param osp.lfs1-OST0002-osc-MDT0001.max_create_count=0");
            assertThat(dne.lustre().lostFiles()).isEmpty();
            assertThat(dne.lustre().filesOn(2)).isEmpty();
        }
    }

    @Test
    void raisingOstCountDuringADrainTakesTheOstBackInsteadOfAddingAServer() {
        String pinned = h.lustre().filesOn(3).iterator().next();
        h.lustre().markBusy(pinned, true);
        h.editSpec("demo", s -> s.setOstCount(3));
        h.runUntil(
                "demo",
                fs -> fs.getStatus().target("lfs1-OST0003").orElseThrow().getState() == TargetState.Draining,
                20);
        h.run("demo", 3);

        h.editSpec("demo", s -> s.setOstCount(4));
        LustreFileSystem fs = h.runUntil("demo", settled(4), 30);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");
        assertThat(fs.getStatus().target("lfs1-OST0003").orElseThrow().getState())
                .isEqualTo(TargetState.Ready);
        assertThat(h.lustre().log())
                .contains("demo-mds0: lctl set_param osp.lfs1-OST0003-osc-MDT0000.max_create_count=20000");
        assertThat(h.eventReasons()).contains("DrainCancelled");
        // OST3 takes new objects again.
        h.lustre().markBusy(pinned, false);
        h.lustre().writeFiles("later", 40, 4);
        assertThat(h.lustre().filesOn(3)).hasSizeGreaterThan(1);
        assertThat(h.lustre().lostFiles()).isEmpty();
    }
}
