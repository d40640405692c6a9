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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The boot-delay knob the benchmarks use: a guest that has not finished booting stays Scheduled, however many steps pass. */
class KubeVirtSimulatorBootDelayTest {
    private final MockCluster cluster = MockCluster.start();
    private final KubeVirtSimulator sim = new KubeVirtSimulator(cluster.client(), "hpc");

    @AfterEach
    void close() {
        cluster.close();
    }

    private void createVm() {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        var plan = Topology.plan(fs, List.of()).server("scr-oss0").orElseThrow();
        VirtualMachine vm = new ServerManifests()
                .virtualMachine(
                        new ServerContext(fs, plan, "192.168.50.12/24", MgsNids.parse("192.168.50.10@o2ib"), null));
        cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace("hpc")
                .resource(vm)
                .create();
    }

    private String phase() {
        VirtualMachineInstance vmi = cluster.client()
                .resources(VirtualMachineInstance.class)
                .inNamespace("hpc")
                .withName("scr-oss0")
                .get();
        return vmi == null ? null : vmi.getStatus().getPhase();
    }

    @Test
    void aGuestStillBootingStaysScheduled() {
        sim.bootDelay(Duration.ofHours(1));
        createVm();
        for (int i = 0; i < 20; i++) {
            sim.tick();
        }
        assertThat(phase()).isEqualTo("Scheduled");
        sim.bootDelay(Duration.ZERO);
        sim.tick();
        assertThat(phase()).isEqualTo("Running");
    }
}
