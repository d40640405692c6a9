package dev.lustrecsi.provisioner.reconcile;

import static dev.lustrecsi.provisioner.sim.OperatorHarness.ready;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.kubevirt.v1.VirtualMachineInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Invalid specs are refused with a clear condition and nothing created; deletion honours the disk policy. */
class SpecAndDeletionTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void anInvalidSpecIsRejectedWithAConditionAndNothingIsCreated() {
        LustreFileSystem bad = Fixtures.tcp("demo", 4);
        bad.getSpec().setFsName("much-too-long");
        bad.getSpec().setOstsPerOss(3);
        h.create(bad);
        h.run("demo", 5);

        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Pending);
        Condition valid = fs.getStatus().condition(Conditions.SPEC_VALID).orElseThrow();
        assertThat(valid.getStatus()).isEqualTo("False");
        assertThat(valid.getReason()).isEqualTo(Conditions.REASON_INVALID_SPEC);
        assertThat(valid.getMessage())
                .contains("spec.fsName 'much-too-long'")
                .contains("multiple of spec.ostsPerOss 3");
        assertThat(h.vmNames()).isEmpty();
        assertThat(h.pvcNames()).isEmpty();
        assertThat(h.eventReasons()).containsOnlyOnce("InvalidSpec");

        // Fixing the spec lets the operator proceed.
        h.editSpec("demo", s -> {
            s.setFsName("lfs1");
            s.setOstsPerOss(1);
        });
        LustreFileSystem fixed = h.runUntilReady("demo", 60);
        assertThat(fixed.getStatus()
                        .condition(Conditions.SPEC_VALID)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("True");
    }

    @Test
    void changingTheLayoutOfAFormattedFilesystemIsRefusedAndTheServersKeepRunning() {
        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 60);
        h.editSpec("demo", s -> {
            s.setFsName("other");
            s.setOstCount(4);
        });
        h.run("demo", 5);
        LustreFileSystem fs = h.get("demo");
        assertThat(fs.getStatus().condition(Conditions.SPEC_VALID).orElseThrow().getMessage())
                .contains("spec.fsName cannot change");
        assertThat(fs.getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
    }

    @Test
    void deletionWithRetainKeepsTheDisksAndANewResourceOfTheSameNameReusesThem() {
        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 60);
        String ost1Uid = h.pvc("demo-ost1").getMetadata().getUid();

        h.delete("demo");
        assertThat(h.get("demo"))
                .as("held by the finalizer until the operator has cleaned up")
                .isNotNull();
        h.reconcile("demo");
        h.kubevirt().tick();
        assertThat(h.get("demo")).isNull();
        assertThat(h.vmNames()).isEmpty();
        assertThat(h.client()
                        .resources(VirtualMachineInstance.class)
                        .inNamespace(OperatorHarness.NAMESPACE)
                        .list()
                        .getItems())
                .isEmpty();
        assertThat(h.pvcNames()).containsExactly("demo-mdt0", "demo-ost0", "demo-ost1");
        assertThat(h.eventReasons()).contains("Deleting", "ServerDeleted", "DisksRetained");

        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 60);
        PersistentVolumeClaim ost1 = h.pvc("demo-ost1");
        assertThat(ost1.getMetadata().getUid())
                .as("the retained disk is reused, not re-created")
                .isEqualTo(ost1Uid);
    }

    /** "demo", 2 OSTs, diskDeletionPolicy Delete, bootstrapped until Ready. */
    private void readyDemoWhoseDisksAreDeletedWithIt() {
        LustreFileSystem fs = Fixtures.tcp("demo", 2);
        fs.getSpec().setDiskDeletionPolicy(DiskDeletionPolicy.Delete);
        h.create(fs);
        h.runUntilReady("demo", 60);
    }

    @Test
    void deletionWithDeleteRemovesVmsAndDisks() {
        readyDemoWhoseDisksAreDeletedWithIt();
        assertThat(h.pvc("demo-ost0").getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("LustreFileSystem"));

        h.delete("demo");
        h.reconcile("demo");
        h.kubevirt().tick();
        assertThat(h.get("demo")).isNull();
        assertThat(h.vmNames()).isEmpty();
        assertThat(h.pvcNames()).isEmpty();
        assertThat(h.eventReasons()).contains("Deleting", "ServerDeleted", "DisksDeleted");
    }

    @Test
    void operatorRestartedAtEveryPassOfTheBootstrapCreatesEachVmOnce() {
        h.create(Fixtures.o2ib("scr", 4));
        for (int i = 0; i < 80 && !ready(h.get("scr")); i++) {
            h.reconcile("scr");
            h.restartOperator();
            h.kubevirt().tick();
        }
        LustreFileSystem fs = h.get("scr");
        assertThat(ready(fs)).isTrue();
        assertThat(h.vmNames()).containsExactly("scr-mds0", "scr-mgs", "scr-oss0", "scr-oss1");
        for (String vm : h.vmNames()) {
            assertThat(h.kubevirt().boots(vm)).as(vm).isEqualTo(1);
        }
        assertThat(fs.getStatus().getServers())
                .extracting(s -> s.getAddress())
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(
                        "192.168.50.10/24", "192.168.50.11/24", "192.168.50.12/24", "192.168.50.13/24");
        assertThat(h.eventReasons().stream().filter("ServerCreated"::equals)).hasSize(4);
    }

    @Test
    void disksAreDeletedOnlyAfterTheVmsAreGoneEvenAcrossAnOperatorRestart() {
        readyDemoWhoseDisksAreDeletedWithIt();
        // KubeVirt takes its time to stop a VM: a finalizer holds it.
        h.client()
                .resources(io.kubevirt.v1.VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-oss1")
                .edit(vm -> {
                    vm.getMetadata().getFinalizers().add("kubevirt.io/virtualMachineControllerFinalize");
                    return vm;
                });

        h.delete("demo");
        h.reconcile("demo");
        h.restartOperator();
        h.reconcile("demo");
        assertThat(h.get("demo").getStatus().getPhase()).isEqualTo(Phase.Deleting);
        assertThat(h.vmNames()).containsExactly("demo-oss1");
        assertThat(h.pvcNames()).as("disks stay while a VM may still use them").hasSize(3);

        h.client()
                .resources(io.kubevirt.v1.VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-oss1")
                .edit(vm -> {
                    vm.getMetadata().getFinalizers().clear();
                    return vm;
                });
        h.restartOperator();
        h.reconcile("demo");
        assertThat(h.get("demo")).isNull();
        assertThat(h.vmNames()).isEmpty();
        assertThat(h.pvcNames()).isEmpty();
        assertThat(h.eventReasons().stream().filter("Deleting"::equals)).hasSize(1);
    }
}
