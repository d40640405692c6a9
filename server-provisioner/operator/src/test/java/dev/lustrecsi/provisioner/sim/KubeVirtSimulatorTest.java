package dev.lustrecsi.provisioner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.manifest.ServerContext;
import dev.lustrecsi.provisioner.manifest.ServerManifests;
import dev.lustrecsi.provisioner.topology.Topology;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator behaves as KubeVirt does for what the operator relies on (the e2e tests reuse it). */
class KubeVirtSimulatorTest {
    private final MockCluster cluster = MockCluster.start();
    private final KubeVirtSimulator sim = new KubeVirtSimulator(cluster.client(), "hpc");

    @AfterEach
    void close() {
        cluster.close();
    }

    private VirtualMachine createVm(String runStrategy) {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        var plan = Topology.plan(fs, List.of()).server("scr-oss0").orElseThrow();
        VirtualMachine vm = new ServerManifests()
                .virtualMachine(
                        new ServerContext(fs, plan, "192.168.50.12/24", MgsNids.parse("192.168.50.10@o2ib"), null));
        vm.getSpec().setRunStrategy(runStrategy);
        return cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .resource(vm)
                .create();
    }

    private VirtualMachineInstance vmi() {
        return cluster.client()
                .resources(VirtualMachineInstance.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .get();
    }

    private String phase() {
        VirtualMachineInstance vmi = vmi();
        return vmi == null ? null : vmi.getStatus().getPhase();
    }

    private boolean ready() {
        VirtualMachineInstance vmi = vmi();
        return vmi != null
                && vmi.getStatus().getConditions() != null
                && vmi.getStatus().getConditions().stream()
                        .anyMatch(c ->
                                c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    @Test
    void movesAnAlwaysVmThroughItsPhasesAndReportsTheCloudInitAddress() {
        createVm("Always");
        List<String> phases = new ArrayList<>();
        for (int i = 0; i < 8 && !ready(); i++) {
            sim.tick();
            phases.add(phase());
        }
        assertThat(phases).containsSubsequence("Pending", "Scheduling", "Scheduled", "Running");
        assertThat(ready()).isTrue();
        VirtualMachineInstance vmi = vmi();
        assertThat(vmi.getMetadata().getLabels()).containsEntry("lustre.lustrecsi.dev/server", "scr-oss0");
        assertThat(vmi.getMetadata().getAnnotations()).containsEntry("lustre.lustrecsi.dev/lustre-version", "2.15.5");
        assertThat(vmi.getStatus().getInterfaces())
                .extracting(i -> i.getName() + "=" + i.getIpAddress())
                .hasSize(2)
                .contains("lnet=192.168.50.12");
        VirtualMachine vm = cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .get();
        assertThat(vm.getStatus().getPrintableStatus()).isEqualTo("Running");
        assertThat(vm.getStatus().getReady()).isTrue();
    }

    @Test
    void restartsAFailedOrDeletedVmiUnderAlwaysWithANewPodAddress() {
        createVm("Always");
        for (int i = 0; i < 8; i++) {
            sim.tick();
        }
        String firstIp = vmi().getStatus().getInterfaces().get(0).getIpAddress();
        sim.failVmi("scr-oss0");
        assertThat(phase()).isEqualTo("Failed");
        for (int i = 0; i < 8 && !ready(); i++) {
            sim.tick();
        }
        assertThat(ready()).isTrue();
        assertThat(sim.boots("scr-oss0")).isEqualTo(2);
        assertThat(vmi().getStatus().getInterfaces().get(0).getIpAddress()).isNotEqualTo(firstIp);

        cluster.client()
                .resources(VirtualMachineInstance.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .delete();
        sim.tick();
        assertThat(phase()).isEqualTo("Pending");
        assertThat(sim.boots("scr-oss0")).isEqualTo(3);
    }

    @Test
    void haltedVmsDoNotRunAndAVmisOwnerDeletionRemovesIt() {
        createVm("Halted");
        sim.tick();
        sim.tick();
        assertThat(vmi()).isNull();
        cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .edit(vm -> {
                    vm.getSpec().setRunStrategy("Always");
                    return vm;
                });
        sim.tick();
        assertThat(vmi()).isNotNull();
        cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .delete();
        sim.tick();
        assertThat(vmi()).isNull();
    }

    @Test
    void aVmDeletedAndRecreatedUnderTheSameNameBootsAFreshVmi() {
        createVm("Always");
        for (int i = 0; i < 8 && !ready(); i++) {
            sim.tick();
        }
        String oldOwner = vmi().getMetadata().getOwnerReferences().get(0).getUid();
        // The operator recreates a deleted server VM before the garbage collector has run.
        cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .delete();
        VirtualMachine recreated = createVm("Always");
        assertThat(recreated.getMetadata().getUid()).isNotEqualTo(oldOwner);
        sim.tick();
        assertThat(phase()).isEqualTo("Pending");
        assertThat(vmi().getMetadata().getOwnerReferences().get(0).getUid())
                .isEqualTo(recreated.getMetadata().getUid());
        assertThat(sim.boots("scr-oss0")).isEqualTo(2);
    }

    @Test
    void aGuestThatNeverPassesItsProbeRunsButIsNotReady() {
        createVm("Always");
        sim.neverReady("scr-oss0", true);
        for (int i = 0; i < 10; i++) {
            sim.tick();
        }
        assertThat(phase()).isEqualTo("Running");
        assertThat(ready()).isFalse();
    }

    /**
     * The boot-delay knob the benchmarks use: a guest that has not finished booting stays Scheduled, however many
     * steps pass.
     */
    @Test
    void aGuestStillBootingStaysScheduled() {
        sim.bootDelay(Duration.ofHours(1));
        createVm("Always");
        for (int i = 0; i < 20; i++) {
            sim.tick();
        }
        assertThat(phase()).isEqualTo("Scheduled");
        sim.bootDelay(Duration.ZERO);
        sim.tick();
        assertThat(phase()).isEqualTo("Running");
    }
}
