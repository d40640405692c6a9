package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.kubevirt.v1.VirtualMachine;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A lost or failed server comes back with the same name, NID and disks; the resource is Degraded meanwhile. */
class RecoveryTest {
    private final OperatorHarness h = new OperatorHarness("scratch");
    private LustreFileSystem ready;

    @BeforeEach
    void bootstrap() {
        h.create(Fixtures.o2ib("scr", 4));
        ready = h.runUntilReady("scr", 80);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private Map<String, String> pvcUids() {
        return h.client().persistentVolumeClaims().inNamespace(OperatorHarness.NAMESPACE).list().getItems().stream()
                .collect(Collectors.toMap(
                        p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }

    @Test
    void aDeletedServerVmIsRecreatedWithTheSameNameNidAndDisks() {
        String nidBefore = ready.getStatus().server("scr-oss1").orElseThrow().getNid();
        Map<String, String> disks = pvcUids();
        String uidBefore = h.vm("scr-oss1").getMetadata().getUid();

        h.client()
                .resources(VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("scr-oss1")
                .delete();
        h.kubevirt().tick(); // its VMI goes with it

        h.reconcile("scr");
        LustreFileSystem degraded = h.get("scr");
        assertThat(degraded.getStatus().getPhase()).isEqualTo(Phase.Degraded);
        assertThat(degraded.getStatus()
                        .condition(Conditions.DEGRADED)
                        .orElseThrow()
                        .getMessage())
                .contains("scr-oss1");
        assertThat(degraded.getStatus().target("scratch-OST0002").orElseThrow().getState())
                .isEqualTo(TargetState.Unavailable);
        assertThat(degraded.getStatus().getCapacityBytes()).isEqualTo(2 * (100L << 30));
        assertThat(h.vm("scr-oss1")).as("re-created in the same pass").isNotNull();
        assertThat(h.vm("scr-oss1").getMetadata().getUid()).isNotEqualTo(uidBefore);

        LustreFileSystem back = h.runUntil("scr", fs -> fs.getStatus().getPhase() == Phase.Ready, 20);
        assertThat(back.getStatus().server("scr-oss1").orElseThrow().getNid())
                .isEqualTo(nidBefore)
                .isEqualTo("192.168.50.13@o2ib");
        assertThat(h.vmi("scr-oss1").getStatus().getInterfaces())
                .filteredOn(i -> i.getName().equals("lnet"))
                .singleElement()
                .satisfies(i -> assertThat(i.getIpAddress()).isEqualTo("192.168.50.13"));
        assertThat(pvcUids()).as("same PVCs, none re-created").isEqualTo(disks);
        assertThat(h.vmNames()).containsExactly("scr-mds0", "scr-mgs", "scr-oss0", "scr-oss1");
        assertThat(h.eventReasons()).contains("ServerRecreated", "PhaseDegraded");
        assertThat(h.eventReasons().get(h.eventReasons().size() - 1)).isEqualTo("PhaseReady");
    }

    @Test
    void aCrashedGuestIsRestartedByKubeVirtAndTheResourceIsDegradedMeanwhile() {
        String vmUid = h.vm("scr-mgs").getMetadata().getUid();
        h.kubevirt().failVmi("scr-mgs");
        h.kubevirt().failNextBoots("scr-mgs", 2);

        h.reconcile("scr");
        assertThat(h.get("scr").getStatus().getPhase()).isEqualTo(Phase.Degraded);
        assertThat(h.get("scr")
                        .getStatus()
                        .condition(Conditions.READY)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("False");

        LustreFileSystem back = h.runUntil("scr", fs -> fs.getStatus().getPhase() == Phase.Ready, 40);
        assertThat(h.kubevirt().boots("scr-mgs")).isEqualTo(4); // first boot, crash, two failed boots, success
        assertThat(h.vm("scr-mgs").getMetadata().getUid())
                .as("the VM itself is kept")
                .isEqualTo(vmUid);
        assertThat(back.getStatus().getMgsNids()).containsExactly("192.168.50.10@o2ib");
        assertThat(h.vmNames()).hasSize(4);
    }

    @Test
    void operatorRestartedWhileAServerIsLostDoesNotDuplicateIt() {
        h.client()
                .resources(VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("scr-oss0")
                .delete();
        h.kubevirt().tick();
        h.reconcile("scr"); // re-created by the first operator
        h.restartOperator();
        h.reconcile("scr");
        h.restartOperator();
        LustreFileSystem back = h.runUntil("scr", fs -> fs.getStatus().getPhase() == Phase.Ready, 20);
        assertThat(h.vmNames()).containsExactly("scr-mds0", "scr-mgs", "scr-oss0", "scr-oss1");
        assertThat(h.kubevirt().boots("scr-oss0")).isEqualTo(2);
        List<PersistentVolumeClaim> pvcs = h.client()
                .persistentVolumeClaims()
                .inNamespace(OperatorHarness.NAMESPACE)
                .list()
                .getItems();
        assertThat(pvcs).hasSize(6);
        assertThat(back.getStatus().server("scr-oss0").orElseThrow().getNid()).isEqualTo("192.168.50.12@o2ib");
    }

    @Test
    void aServerThatNeverBecomesReadyAgainKeepsTheResourceDegraded() {
        h.kubevirt().neverReady("scr-oss0", true);
        h.kubevirt().failVmi("scr-oss0");
        h.run("scr", 15);
        LustreFileSystem fs = h.get("scr");
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Degraded);
        assertThat(fs.getStatus().getActiveOsts()).isEqualTo(4);
        assertThat(fs.getStatus().getReadyOsts()).isEqualTo(2);
        assertThat(h.vmNames()).hasSize(4);
    }

    @Test
    void onPodAddressesALostMgsComesBackWithANewAddressAndTheOperatorSaysSo() {
        try (OperatorHarness pod = new OperatorHarness("lfs1")) {
            pod.createOnPodAddresses(Fixtures.tcp("demo", 2));
            LustreFileSystem before = pod.runUntilReady("demo", 60);
            pod.client()
                    .resources(VirtualMachine.class)
                    .inNamespace(OperatorHarness.NAMESPACE)
                    .withName("demo-mds0")
                    .delete();
            pod.kubevirt().tick();
            LustreFileSystem after = pod.runUntil("demo", fs -> fs.getStatus().getPhase() == Phase.Ready, 30);
            // A new virt-launcher pod gets a new pod IP: the status follows it and a warning explains the consequence.
            assertThat(after.getStatus().getMgsNids())
                    .isNotEqualTo(before.getStatus().getMgsNids());
            assertThat(pod.eventReasons()).contains("MgsNidChanged");
        }
    }

    @Test
    void onPodAddressesAnOssThatComesBackWithANewAddressIsReportedWithWhatItTakesToRepair() {
        try (OperatorHarness pod = new OperatorHarness("lfs1")) {
            pod.createOnPodAddresses(Fixtures.tcp("demo", 2));
            LustreFileSystem before = pod.runUntilReady("demo", 60);
            String oss = before.getStatus().getServers().stream()
                    .filter(st -> !Boolean.TRUE.equals(st.getMgs()))
                    .findFirst()
                    .orElseThrow()
                    .getName();
            String oldNid = before.getStatus().server(oss).orElseThrow().getNid();
            pod.client()
                    .resources(VirtualMachine.class)
                    .inNamespace(OperatorHarness.NAMESPACE)
                    .withName(oss)
                    .delete();
            pod.kubevirt().tick();
            LustreFileSystem after = pod.runUntil(
                    "demo",
                    fs -> fs.getStatus().getPhase() == Phase.Ready
                            && !oldNid.equals(
                                    fs.getStatus().server(oss).orElseThrow().getNid()),
                    30);
            String newNid = after.getStatus().server(oss).orElseThrow().getNid();
            // The status follows the new pod address; the MGS keeps the old one in its logs, and the warning says so.
            assertThat(after.getStatus().getMgsNids())
                    .isEqualTo(before.getStatus().getMgsNids());
            assertThat(pod.events())
                    .filteredOn(e -> "ServerNidChanged".equals(e.getReason()))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getMessage())
                            .contains(oss + " moved from " + oldNid + " to " + newNid)
                            .contains("lctl replace_nids"));
        }
    }
}
