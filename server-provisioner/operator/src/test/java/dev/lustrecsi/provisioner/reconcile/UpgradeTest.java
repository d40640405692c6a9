package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A new Lustre version rolls the servers one at a time: OSSs, then MDSs, then the MGS. */
class UpgradeTest {
    private static final String NEW_IMAGE = "registry.example.org/lustre/server:2.16.1";
    private static final List<String> SERVERS =
            List.of("demo-mds0", "demo-mds1", "demo-oss0", "demo-oss1", "demo-oss2");
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @BeforeEach
    void bootstrap() {
        LustreFileSystem fs = Fixtures.tcp("demo", 3);
        fs.getSpec().setMdtCount(2);
        h.create(fs);
        h.runUntilReady("demo", 60);
        h.lustre().writeFiles("data", 50, 2);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void upgrade() {
        h.editSpec("demo", s -> {
            s.setLustreVersion("2.16.1");
            s.setImage(NEW_IMAGE);
        });
    }

    private static boolean upgraded(LustreFileSystem fs) {
        return fs.getStatus().getPhase() == Phase.Ready
                && "2.16.1".equals(fs.getStatus().getLustreVersion());
    }

    private List<String> notReady() {
        List<String> down = new ArrayList<>();
        for (String s : SERVERS) {
            VirtualMachineInstance vmi = h.vmi(s);
            boolean ready = vmi != null
                    && "Running".equals(vmi.getStatus().getPhase())
                    && vmi.getStatus().getConditions().stream()
                            .anyMatch(c ->
                                    c.getType().equals("Ready") && c.getStatus().equals("True"));
            if (!ready) {
                down.add(s);
            }
        }
        return down;
    }

    private List<String> upgradeOrder() {
        return h.events().stream()
                .filter(e -> e.getReason().equals("UpgradingServer"))
                .map(Event::getMessage)
                .map(m -> m.substring(0, m.indexOf(' ')))
                .toList();
    }

    @Test
    void rollsOssThenMdsThenMgsOneAtATime() {
        upgrade();
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < 120 && !upgraded(h.get("demo")); i++) {
            h.reconcile("demo");
            phases.add(h.get("demo").getStatus().getPhase());
            assertThat(notReady()).as("at most one server down at any time").hasSizeLessThanOrEqualTo(1);
            h.kubevirt().tick();
        }
        LustreFileSystem fs = h.get("demo");
        assertThat(upgraded(fs)).isTrue();
        assertThat(phases).contains(Phase.Upgrading).doesNotContain(Phase.Degraded);
        assertThat(upgradeOrder()).containsExactly("demo-oss0", "demo-oss1", "demo-oss2", "demo-mds1", "demo-mds0");
        for (String s : SERVERS) {
            assertThat(h.kubevirt().boots(s)).as(s + " restarted exactly once").isEqualTo(2);
            assertThat(h.vmi(s).getMetadata().getAnnotations()).containsEntry(Labels.LUSTRE_VERSION, "2.16.1");
            assertThat(fs.getStatus().server(s).orElseThrow().getLustreVersion())
                    .isEqualTo("2.16.1");
        }
        for (VirtualMachine vm : h.vms()) {
            assertThat(vm.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getVolumes()
                            .get(0)
                            .getContainerDisk()
                            .getImage())
                    .isEqualTo(NEW_IMAGE);
        }
        assertThat(h.lustre().lostFiles()).isEmpty();
    }

    @Test
    void eachServerWaitsForThePreviousOneToBeReady() {
        h.kubevirt().failNextBoots("demo-oss0", 3);
        upgrade();
        h.run("demo", 8);
        assertThat(upgradeOrder()).containsExactly("demo-oss0");
        assertThat(h.get("demo").getStatus().getPhase()).isEqualTo(Phase.Upgrading);
        h.runUntil("demo", UpgradeTest::upgraded, 120);
        assertThat(upgradeOrder()).containsExactly("demo-oss0", "demo-oss1", "demo-oss2", "demo-mds1", "demo-mds0");
    }

    @Test
    void operatorRestartedDuringTheRollContinuesWithoutRestartingAServerTwice() {
        upgrade();
        for (int i = 0; i < 200 && !upgraded(h.get("demo")); i++) {
            h.reconcile("demo");
            if (i % 3 == 0) {
                h.restartOperator();
            }
            h.kubevirt().tick();
        }
        assertThat(upgraded(h.get("demo"))).isTrue();
        assertThat(upgradeOrder()).containsExactly("demo-oss0", "demo-oss1", "demo-oss2", "demo-mds1", "demo-mds0");
        for (String s : SERVERS) {
            assertThat(h.kubevirt().boots(s)).as(s).isEqualTo(2);
        }
        assertThat(h.vmNames()).containsExactlyElementsOf(SERVERS);
    }
}
