package dev.lustrecsi.provisioner.orphans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.kubevirt.v1.VirtualMachine;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VMs and disks nothing owns are removed after the grace period, with an event and a metric each; whatever a
 * live LustreFileSystem plans or a VM mounts, and every Retain disk, is never touched.
 */
class ServerOrphanCollectorTest {
    private static final Duration GRACE = Duration.ofMinutes(15);
    private final OperatorHarness h = new OperatorHarness("lfs1");
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final OrphanMetrics metrics = new OrphanMetrics(registry);
    private Instant now = Instant.parse("2026-11-25T12:00:00Z");

    @BeforeEach
    void bootstrap() {
        LustreFileSystem fs = Fixtures.tcp("demo", 2);
        fs.getSpec().setStandby(new StandbySpec(1));
        h.create(fs);
        h.runUntil(
                "demo",
                f -> f.getStatus() != null
                        && f.getStatus().getPhase() == Phase.Ready
                        && Integer.valueOf(1).equals(f.getStatus().getStandbyServers()),
                80);
    }

    @AfterEach
    void close() {
        h.close();
    }

    /** A collector as after a restart: nothing in memory, the clock where the test put it. */
    private ServerOrphanCollector.Result collect() {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new ServerOrphanCollector(h.client(), OperatorHarness.NAMESPACE, GRACE, clock, metrics).collect();
    }

    private double removedCount(String kind) {
        return registry.scrape().stream()
                .filter(s -> s instanceof CounterSnapshot
                        && s.getMetadata().getPrometheusName().equals("lustre_operator_orphans_removed"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .filter(p -> kind.equals(p.getLabels().get("kind")))
                .mapToDouble(p -> p.getValue())
                .sum();
    }

    private List<String> orphanEventsFor(String name) {
        return h.events().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(Event::getReason)
                .filter(r -> r.startsWith("Orphan"))
                .toList();
    }

    @Test
    void neverTouchesWhatALiveFilesystemPlansIncludingStandbyServers() {
        List<String> vms = h.vmNames();
        List<String> disks = h.pvcNames();
        for (int i = 0; i < 3; i++) {
            assertThat(collect().found()).isEmpty();
            now = now.plus(Duration.ofDays(1));
        }
        assertThat(h.vmNames()).isEqualTo(vms).contains("demo-oss2");
        assertThat(h.pvcNames()).isEqualTo(disks);
        assertThat(h.vms())
                .allSatisfy(v -> assertThat(v.getMetadata().getAnnotations()).doesNotContainKey(Labels.ORPHANED_SINCE));
    }

    @Test
    void aRetiredServerLeftBehindByACrashIsRemovedAfterTheGracePeriodThenItsDisk() {
        h.editSpec("demo", s -> s.setStandby(new StandbySpec(0)));
        h.runUntil(
                "demo",
                f -> f.getStatus().getRetiredOstIndexes().contains(2)
                        && h.vmNames().size() == 3,
                120);
        // The operator crashed after retiring OST 2 in the status, before deleting its VM and disk: put them back.
        VirtualMachine vm = h.vms().get(0);
        LustreFileSystem fs = h.get("demo");
        var manifests = new dev.lustrecsi.provisioner.manifest.ServerManifests();
        var plan = dev.lustrecsi.provisioner.topology.Topology.plan(Fixtures.tcp("demo", 3), List.of());
        var oss2 = plan.server("demo-oss2").orElseThrow();
        h.client()
                .persistentVolumeClaims()
                .inNamespace(OperatorHarness.NAMESPACE)
                .resource(
                        manifests.persistentVolumeClaim(fs, oss2, oss2.targets().get(0)))
                .create();
        VirtualMachine leftover = new VirtualMachine();
        leftover.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName("demo-oss2")
                .withNamespace(OperatorHarness.NAMESPACE)
                .withLabels(dev.lustrecsi.provisioner.manifest.ServerManifests.serverLabels(fs, oss2))
                .build());
        leftover.setSpec(vm.getSpec());
        leftover.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .forEach(v -> v.getPersistentVolumeClaim().setClaimName("demo-ost2"));
        h.client()
                .resources(VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .resource(leftover)
                .create();
        assertThat(h.vmNames()).contains("demo-oss2");

        ServerOrphanCollector.Result first = collect();
        assertThat(first.found()).containsExactly("vm hpc/demo-oss2"); // its disk is still mounted by it
        assertThat(first.removed()).isEmpty();
        assertThat(orphanEventsFor("demo-oss2")).containsExactly("OrphanFound");

        now = now.plus(GRACE.minusMinutes(1));
        assertThat(collect().removed()).isEmpty();
        assertThat(h.vmNames()).contains("demo-oss2");

        now = now.plus(Duration.ofMinutes(1));
        ServerOrphanCollector.Result due = collect();
        assertThat(due.removed()).containsExactly("vm hpc/demo-oss2");
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
        assertThat(removedCount("vm")).isEqualTo(1.0);
        assertThat(collect().found()).containsExactly("disk hpc/demo-ost2"); // no VM mounts it any more

        now = now.plus(GRACE);
        assertThat(collect().removed()).containsExactly("disk hpc/demo-ost2");
        assertThat(h.pvcNames()).containsExactly("demo-mdt0", "demo-ost0", "demo-ost1");
        assertThat(removedCount("disk")).isEqualTo(1.0);
        assertThat(orphanEventsFor("demo-ost2")).containsExactly("OrphanFound", "OrphanRemoved");
        // The filesystem did not notice.
        h.run("demo", 3);
        assertThat(h.get("demo").getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1");
    }

    /** Deletes the filesystem with its finalizer stripped (or as --cascade=orphan): the operator cleans up nothing. */
    private void deleteWithoutFinalizer(String name) {
        h.client()
                .resources(LustreFileSystem.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName(name)
                .edit(r -> {
                    r.getMetadata().getFinalizers().clear();
                    return r;
                });
        h.delete(name);
    }

    @Test
    void serversOfADeletedFilesystemGoButRetainedDisksStay() {
        // Deleted with its finalizer stripped (or --cascade=orphan): nothing cleaned up after it.
        deleteWithoutFinalizer("demo");
        assertThat(collect().found()).hasSize(4).allMatch(s -> s.startsWith("vm "));
        now = now.plus(GRACE);
        assertThat(collect().removed()).hasSize(4);
        assertThat(h.vmNames()).isEmpty();
        now = now.plus(Duration.ofDays(30));
        assertThat(collect().found()).isEmpty();
        assertThat(h.pvcNames()).as("Retain disks are kept for recovery").hasSize(4);
    }

    @Test
    void disksOfADeletedDeleteFilesystemAreCollectedOnceNoVmMountsThem() {
        h.editSpec("demo", s -> s.setDiskDeletionPolicy(DiskDeletionPolicy.Delete));
        // A disk made after the policy change records it (the policy is read when the disk is created).
        LustreFileSystem fs = h.get("demo");
        var plan = dev.lustrecsi.provisioner.topology.Topology.plan(fs, h.vmNames());
        var oss2 = plan.server("demo-oss2").orElseThrow();
        PersistentVolumeClaim made = new dev.lustrecsi.provisioner.manifest.ServerManifests()
                .persistentVolumeClaim(fs, oss2, oss2.targets().get(0));
        assertThat(made.getMetadata().getAnnotations()).containsEntry(Labels.DISK_DELETION_POLICY, "Delete");
        h.client()
                .persistentVolumeClaims()
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-ost2")
                .delete();
        h.client()
                .persistentVolumeClaims()
                .inNamespace(OperatorHarness.NAMESPACE)
                .resource(made)
                .create();

        deleteWithoutFinalizer("demo");
        collect();
        now = now.plus(GRACE);
        collect(); // VMs go
        assertThat(h.vmNames()).isEmpty();
        collect(); // the Delete disk is found, now that no VM mounts it
        now = now.plus(GRACE);
        collect();
        assertThat(h.pvcNames()).containsExactly("demo-mdt0", "demo-ost0", "demo-ost1");
    }

    @Test
    void anObjectOwnedAgainLosesItsMark() {
        h.client()
                .resources(LustreFileSystem.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo")
                .edit(r -> {
                    r.getMetadata().getFinalizers().clear();
                    return r;
                });
        LustreFileSystem gone = h.get("demo");
        h.delete("demo");
        assertThat(collect().found()).hasSize(4);
        // Re-created under the same name before the grace period ran out: it adopts its servers.
        gone.getMetadata().setResourceVersion(null);
        gone.getMetadata().setUid(null);
        h.client()
                .resources(LustreFileSystem.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .resource(gone)
                .create();
        now = now.plus(GRACE);
        assertThat(collect().removed()).isEmpty();
        assertThat(h.vmNames()).hasSize(4);
        assertThat(h.vms())
                .allSatisfy(v -> assertThat(v.getMetadata().getAnnotations()).doesNotContainKey(Labels.ORPHANED_SINCE));
    }
}
