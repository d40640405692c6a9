package dev.lustrecsi.provisioner.reconcile;

import static dev.lustrecsi.provisioner.sim.OperatorHarness.settled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Warm standby OSSs: booted, formatted and registered but taking no objects; a raised ostCount puts them into
 * service in the same pass (no VM boot), and a replacement standby is created behind them.
 */
class StandbyTest {
    private static final long OST = 100L << 30;
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @BeforeEach
    void bootstrap() {
        LustreFileSystem fs = Fixtures.tcp("demo", 2);
        fs.getSpec().setStandby(new StandbySpec(1));
        h.create(fs);
        h.runUntil("demo", standbyReady(2, 1), 80);
    }

    @AfterEach
    void close() {
        h.close();
    }

    static Predicate<LustreFileSystem> standbyReady(int activeOsts, int standbyOsts) {
        return fs -> settled(activeOsts).test(fs)
                && Integer.valueOf(standbyOsts).equals(fs.getStatus().getStandbyOsts());
    }

    private int indexOfLog(String entry) {
        List<String> log = h.lustre().log();
        return log.indexOf(entry);
    }

    @Test
    void aStandbyOssIsReadyButOutsideCapacityAndTakesNoObjects() {
        LustreFileSystem fs = h.get("demo");
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2");
        assertThat(fs.getStatus().getCapacityBytes()).isEqualTo(2 * OST);
        assertThat(fs.getStatus().getStandbyServers()).isEqualTo(1);
        assertThat(fs.getStatus().server("demo-oss2").orElseThrow().onStandby()).isTrue();
        assertThat(fs.getStatus().target("lfs1-OST0002").orElseThrow().getState())
                .isEqualTo(TargetState.Standby);
        // The MGS held object creation before the standby's OSTs could register.
        assertThat(indexOfLog("demo-mds0: lctl set_param -P osp.lfs1-OST0002-osc-MDT*.max_create_count=0"))
                .isNotNegative();
        assertThat(h.eventReasons()).contains("StandbyServerCreated").doesNotContain("StandbyHoldMissing");

        h.lustre().writeFiles("data", 60, 1);
        assertThat(h.lustre().filesOn(2)).isEmpty();
        assertThat(h.lustre().holdsNoNewObjects(2)).isTrue();
        assertThat(h.lustre().filesOn(0)).isNotEmpty();
    }

    @Test
    void aStandbyOstTakesNoObjectFromTheMomentItRegistersNotOnlyOnceTheOperatorLooks() {
        // The MGS's set_param -P hold is recorded before the OST exists and so never reaches the osp device the
        // MDT creates for it (process_param2_config runs lctl set_param with the glob at that time): the OST
        // must hold itself. Write between every KubeVirt step and the operator's next pass.
        try (OperatorHarness fresh = new OperatorHarness("lfs1")) {
            LustreFileSystem fs = Fixtures.tcp("demo", 2);
            fs.getSpec().setStandby(new StandbySpec(1));
            fresh.create(fs);
            for (int i = 0; i < 80 && !standbyReady(2, 1).test(fresh.get("demo")); i++) {
                fresh.reconcile("demo");
                fresh.kubevirt().tick();
                if (!fresh.lustre().holdsNoNewObjects(0)) {
                    fresh.lustre().writeFiles("pass" + i, 4, 1);
                }
            }
            assertThat(standbyReady(2, 1).test(fresh.get("demo"))).isTrue();
            assertThat(fresh.lustre().filesOn(2)).isEmpty();
            assertThat(fresh.eventReasons()).doesNotContain("StandbyHoldMissing");
            // The standby's boot mounts its OST refusing creation; once in service, the next boot does not.
            assertThat(fresh.userData("demo-oss2"))
                    .contains("mount -t lustre -o no_precreate /dev/disk/by-id/virtio-lfs1-OST0002");
            fresh.editSpec("demo", spec -> spec.setOstCount(3));
            fresh.runUntil(
                    "demo",
                    f -> f.getStatus().getActiveOsts() == 3 && f.getStatus().getReadyOsts() == 3,
                    40);
            assertThat(fresh.userData("demo-oss2"))
                    .doesNotContain("no_precreate")
                    .contains("mount -t lustre /dev/disk/by-id/virtio-lfs1-OST0002");
            assertThat(fresh.lustre().log())
                    .contains("demo-oss2: lctl set_param obdfilter.lfs1-OST0002.no_precreate=0");
            assertThat(fresh.kubevirt().boots("demo-oss2"))
                    .as("put into service without a reboot")
                    .isEqualTo(1);
        }
    }

    @Test
    void standbyCountsAreGaugesReadFromTheResource() {
        var registry = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        dev.lustrecsi.provisioner.metrics.StandbyMetrics.register(registry, h::fileSystems);
        java.util.Map<String, Double> values = new java.util.TreeMap<>();
        for (var snapshot : registry.scrape()) {
            for (var p : ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) snapshot).getDataPoints()) {
                assertThat(p.getLabels().get("filesystem")).isEqualTo("demo");
                values.put(snapshot.getMetadata().getName(), p.getValue());
            }
        }
        assertThat(values)
                .containsEntry("lustre_filesystem_standby_servers_desired", 1.0)
                .containsEntry("lustre_filesystem_standby_servers_ready", 1.0)
                .containsEntry("lustre_filesystem_standby_osts", 1.0);
    }

    @Test
    void raisingOstCountPutsTheStandbyIntoServiceInOnePassAndReplacesIt() {
        h.lustre().writeFiles("before", 40, 1);
        int boots = h.kubevirt().boots("demo-oss2");
        h.editSpec("demo", s -> s.setOstCount(3));

        h.reconcile("demo"); // one pass, no KubeVirt step in between
        LustreFileSystem grown = h.get("demo");
        assertThat(grown.getStatus().getActiveOsts()).isEqualTo(3);
        assertThat(grown.getStatus().getReadyOsts()).isEqualTo(3);
        assertThat(grown.getStatus().getCapacityBytes()).isEqualTo(3 * OST);
        assertThat(grown.getStatus().target("lfs1-OST0002").orElseThrow().getState())
                .isEqualTo(TargetState.Ready);
        assertThat(grown.getStatus().server("demo-oss2").orElseThrow().onStandby())
                .isFalse();
        assertThat(h.lustre().log())
                .contains(
                        "demo-mds0: lctl set_param osp.lfs1-OST0002-osc-MDT0000.max_create_count=20000",
                        "demo-mds0: lctl set_param -P -d osp.lfs1-OST0002-osc-MDT*.max_create_count");
        assertThat(h.eventReasons()).contains("StandbyPromoted");
        assertThat(h.lustre().holdsNoNewObjects(2)).isFalse();
        h.lustre().writeFiles("after", 30, 1);
        assertThat(h.lustre().filesOn(2)).isNotEmpty();

        // A new standby is made behind it; the promoted server was never rebooted.
        LustreFileSystem replenished = h.runUntil("demo", standbyReady(3, 1), 80);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");
        assertThat(replenished.getStatus().server("demo-oss3").orElseThrow().onStandby())
                .isTrue();
        assertThat(h.kubevirt().boots("demo-oss2")).isEqualTo(boots);
        assertThat(h.lustre().filesOn(3)).isEmpty();
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    @Test
    void withoutStandbyAScaleOutWaitsForABoot() {
        h.editSpec("demo", s -> {
            s.setStandby(new StandbySpec(0));
            s.setOstCount(4);
        });
        h.reconcile("demo");
        // oss2 goes into service at once; the second new OST needs a VM that has not booted yet.
        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(4);
        assertThat(fs.getStatus().getReadyOsts()).isEqualTo(3);
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Scaling);
        h.runUntil("demo", settled(4), 80);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");
        assertThat(h.get("demo").getStatus().getStandbyOsts()).isZero();
    }

    @Test
    void loweringTheStandbyCountRetiresTheSpareWithoutTouchingData() {
        h.lustre().writeFiles("data", 40, 2);
        int files = h.lustre().fileCount();
        h.editSpec("demo", s -> s.setStandby(new StandbySpec(0)));
        LustreFileSystem fs = h.runUntil(
                "demo",
                f -> f.getStatus().getPhase() == Phase.Ready && h.vmNames().size() == 3,
                120);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
        assertThat(h.pvcNames()).containsExactly("demo-mdt0", "demo-ost0", "demo-ost1");
        assertThat(fs.getStatus().getRetiredOstIndexes()).containsExactly(2);
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(2);
        assertThat(fs.getStatus().getCapacityBytes()).isEqualTo(2 * OST);
        assertThat(h.lustre().fileCount()).isEqualTo(files);
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    @Test
    void aLostStandbyIsRecreatedWithoutDegradingTheFilesystem() {
        h.client()
                .resources(io.kubevirt.v1.VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-oss2")
                .delete();
        h.kubevirt().tick();
        h.reconcile("demo");
        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(fs.getStatus().getStandbyServers()).isZero();
        assertThat(h.vmNames()).contains("demo-oss2");
        h.runUntil("demo", standbyReady(2, 1), 80);
    }

    @Test
    void aRestartedOperatorKeepsTheStandbyOnStandby() {
        h.restartOperator();
        h.run("demo", 5);
        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(2);
        assertThat(fs.getStatus().getStandbyOsts()).isEqualTo(1);
        assertThat(h.vmNames()).hasSize(4);
        assertThat(h.lustre().holdsNoNewObjects(2)).isTrue();
    }
}
