package dev.lustrecsi.provisioner.reconcile;

import static dev.lustrecsi.provisioner.sim.OperatorHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.kubevirt.v1.VirtualMachine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BootstrapTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void createsMgsThenMdtsThenOstsAndIsReadyOnlyWhenEveryTargetIs() {
        LustreFileSystem spec = Fixtures.tcp("demo", 4);
        spec.getSpec().setMdtCount(2);
        h.create(spec);

        // Record which VMs exist and which are ready after every pass.
        List<String> creationOrder = new ArrayList<>();
        for (int i = 0; i < 60 && !ready(h.get("demo")); i++) {
            h.reconcile("demo");
            for (String vm : h.vmNames()) {
                if (!creationOrder.contains(vm)) {
                    creationOrder.add(vm);
                    // When a later stage appears, every earlier stage is already ready.
                    LustreFileSystem now = h.get("demo");
                    if (vm.contains("-mds1")) {
                        assertThat(now.getStatus()
                                        .server("demo-mds0")
                                        .orElseThrow()
                                        .readyNow())
                                .as("MGS ready before MDT1")
                                .isTrue();
                    }
                    if (vm.contains("-oss")) {
                        assertThat(now.getStatus()
                                        .server("demo-mds0")
                                        .orElseThrow()
                                        .readyNow())
                                .isTrue();
                        assertThat(now.getStatus()
                                        .server("demo-mds1")
                                        .orElseThrow()
                                        .readyNow())
                                .as("MDTs ready before OSTs")
                                .isTrue();
                    }
                }
            }
            LustreFileSystem now = h.get("demo");
            if (!ready(now)) {
                assertThat(now.getStatus().getPhase()).isIn(Phase.Pending, Phase.Provisioning);
                assertThat(now.getStatus()
                                .condition(Conditions.READY)
                                .orElseThrow()
                                .getStatus())
                        .isEqualTo("False");
            }
            h.kubevirt().tick();
        }
        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(creationOrder)
                .containsExactly("demo-mds0", "demo-mds1", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");
        assertThat(fs.getStatus().getTargets())
                .allSatisfy(t -> assertThat(t.getState()).isEqualTo(TargetState.Ready));
        assertThat(fs.getStatus().getTargets())
                .extracting(t -> t.getName())
                .containsExactly(
                        "lfs1-MDT0000", "lfs1-MDT0001", "lfs1-OST0000", "lfs1-OST0001", "lfs1-OST0002", "lfs1-OST0003");
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(4);
        assertThat(fs.getStatus().getCapacityBytes()).isEqualTo(4 * (100L << 30));
        assertThat(fs.getStatus().getCapacity()).isEqualTo("400Gi");
        assertThat(fs.getStatus().getLustreVersion()).isEqualTo("2.15.5");
        assertThat(fs.getStatus().getObservedGeneration())
                .isEqualTo(fs.getMetadata().getGeneration());
        assertThat(fs.getStatus().condition(Conditions.READY).orElseThrow().getStatus())
                .isEqualTo("True");

        // The MGS NID is the ClusterIP of MDS0's Service (pod network, tcp), not the VMI's pod address.
        String mds0Ip = h.client()
                .services()
                .inNamespace(h.namespace())
                .withName("lnet-demo-mds0")
                .get()
                .getSpec()
                .getClusterIP();
        assertThat(mds0Ip)
                .isNotEqualTo(
                        h.vmi("demo-mds0").getStatus().getInterfaces().get(0).getIpAddress());
        assertThat(fs.getStatus().getMgsNids()).containsExactly(mds0Ip + "@tcp");
        assertThat(fs.getStatus().getMgsNidsText()).isEqualTo(mds0Ip + "@tcp");

        // The OSTs were formatted against that MGS: their cloud-init names it.
        VirtualMachine oss2 = h.vms().stream()
                .filter(v -> v.getMetadata().getName().equals("demo-oss2"))
                .findFirst()
                .orElseThrow();
        String userData = oss2.getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes()
                .get(1)
                .getCloudInitNoCloud()
                .getUserData();
        assertThat(userData).contains("mkfs.lustre --fsname=lfs1 --ost --index=2 --mgsnode=" + mds0Ip + "@tcp");

        // Owned and labelled so deleting the resource removes the VMs; one PVC per target.
        assertThat(h.vms()).allSatisfy(vm -> {
            assertThat(vm.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(o ->
                            assertThat(o.getUid()).isEqualTo(fs.getMetadata().getUid()));
            assertThat(vm.getMetadata().getLabels()).containsEntry(Labels.FILESYSTEM, "demo");
            assertThat(vm.getSpec().getRunStrategy()).isEqualTo("Always");
        });
        assertThat(h.pvcNames())
                .containsExactly("demo-mdt0", "demo-mdt1", "demo-ost0", "demo-ost1", "demo-ost2", "demo-ost3");
        assertThat(fs.getMetadata().getFinalizers()).contains(Labels.FINALIZER);
        assertThat(h.eventReasons())
                .contains("ServerCreated", "DiskCreated", "ServerReady", "Bootstrapped", "PhaseReady");
    }

    @Test
    void reconcilingAReadyFilesystemAgainChangesNothing() {
        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 60);
        String version = h.get("demo").getMetadata().getResourceVersion();
        List<String> vms = h.vmNames();
        int events = h.eventReasons().size();
        h.run("demo", 5);
        assertThat(h.vmNames()).isEqualTo(vms);
        assertThat(h.get("demo").getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(h.eventReasons()).hasSize(events);
        assertThat(h.kubevirt().boots("demo-oss0")).isEqualTo(1);
    }

    @Test
    void staticAddressesGiveStableNidsOnTheMultusNetwork() {
        h.create(Fixtures.o2ib("scr", 4));
        LustreFileSystem fs = h.runUntilReady("scr", 80);
        assertThat(h.vmNames()).containsExactly("scr-mds0", "scr-mgs", "scr-oss0", "scr-oss1");
        assertThat(fs.getStatus().getMgsNids()).containsExactly("192.168.50.10@o2ib");
        assertThat(fs.getStatus().server("scr-mds0").orElseThrow().getNid()).isEqualTo("192.168.50.11@o2ib");
        assertThat(fs.getStatus().server("scr-oss1").orElseThrow().getAddress()).isEqualTo("192.168.50.13/24");
        // KubeVirt reports on the Multus interface the address the guest set from its cloud-init network data.
        assertThat(h.vmi("scr-oss1").getStatus().getInterfaces())
                .filteredOn(i -> i.getName().equals("lnet"))
                .singleElement()
                .satisfies(i -> assertThat(i.getIpAddress()).isEqualTo("192.168.50.13"));
        assertThat(fs.getStatus().getTargets())
                .extracting(t -> t.getName())
                .containsExactly(
                        "scratch-MGT",
                        "scratch-MDT0000",
                        "scratch-OST0000",
                        "scratch-OST0001",
                        "scratch-OST0002",
                        "scratch-OST0003");
    }
}
