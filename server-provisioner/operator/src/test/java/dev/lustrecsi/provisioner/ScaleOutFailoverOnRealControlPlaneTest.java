package dev.lustrecsi.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.reconcile.EventReason;
import dev.lustrecsi.provisioner.sim.KubeVirtSimulator;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubevirt.v1.VirtualMachine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas on a real kube-apiserver (each its own HTTPS connection, a Lease each campaigns for, the
 * KubeVirt simulator running free), a filesystem of two OSTs Ready. spec.ostCount goes to 3 (what the CSI controller
 * writes when a pool needs room); the leader creates the third OSS's disk and VM, and dies while that VM boots. The
 * other replica takes over and finishes the scale-out exactly once: one new OSS, one new disk, one new OST index,
 * booted once, every target Ready, no Pending leftover. And the same with a warm standby taking the new OST: the
 * leader dies after the MGS released the standby's hold and before the status recorded it; the other replica
 * repeats the release (idempotent commands) and records it once.
 */
@RealControlPlane
class ScaleOutFailoverOnRealControlPlaneTest {
    @Test
    void whenTheLeadingOperatorDiesMidScaleOutTheOtherFinishesItExactlyOnce(ControlPlane plane) throws Exception {
        try (OperatorHarness harness = OperatorHarness.onRealControlPlane("lfs1", plane)) {
            String ns = harness.namespace();
            KubernetesClient admin = harness.client();
            harness.kubevirt().start(20);
            try (OperatorReplica a = new OperatorReplica(newClient(plane), ns, "a", harness.lustre());
                    OperatorReplica b = new OperatorReplica(newClient(plane), ns, "b", harness.lustre())) {
                OperatorReplica.steadyLeader(List.of(a, b));
                harness.create(Fixtures.tcp("demo", 2));
                await().atMost(Duration.ofMinutes(3)).until(() -> phase(harness) == Phase.Ready);
                assertThat(harness.vmNames()).containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1");

                // The new OSS takes a while to boot (first-boot mkfs.lustre), so the leader dies mid-scale-out.
                harness.kubevirt().bootDelay(Duration.ofSeconds(15));
                harness.editSpec("demo", spec -> spec.setOstCount(3));
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> admin.resources(VirtualMachine.class)
                                        .inNamespace(ns)
                                        .withName("demo-oss2")
                                        .get()
                                != null);
                // The replica leading now (a replica that missed a renewal on the loaded machine has handed over).
                OperatorReplica leader = a.operator != null && a.leadership.isLeading() ? a : b;
                assertThat(leader.operator != null && leader.leadership.isLeading())
                        .as("one replica leads")
                        .isTrue();
                assertThat(KubeVirtSimulator.reportsReady(harness.vmi("demo-oss2")))
                        .as("the new OSS still boots when its creator dies")
                        .isFalse();
                long killed = System.nanoTime();
                // The process dies: no more Lease renewals, no more reconcile passes.
                leader.lock.cutOff(true);
                leader.die();

                OperatorReplica other = leader == a ? b : a;
                await().atMost(OperatorReplica.FAST.takeoverBound().plusSeconds(30))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> other.operator != null && other.leadership.isLeading());
                long took = System.nanoTime();
                await().atMost(Duration.ofMinutes(3))
                        .until(() -> phase(harness) == Phase.Ready && readyOsts(harness) == 3);
                System.out.printf(
                        "operator killed mid-scale-out: other replica leading after %d ms, third OST Ready %d ms after"
                                + " the kill (real control plane)%n",
                        (took - killed) / 1_000_000, (System.nanoTime() - killed) / 1_000_000);

                // Exactly one OSS, disk and OST index more; nothing half-added.
                assertThat(harness.vmNames())
                        .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2");
                List<String> claimed = harness.vms().stream()
                        .flatMap(v -> v.getSpec().getTemplate().getSpec().getVolumes().stream())
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .map(v -> v.getPersistentVolumeClaim().getClaimName())
                        .sorted()
                        .toList();
                assertThat(harness.pvcNames()).isNotEmpty().containsExactlyInAnyOrderElementsOf(claimed);
                LustreFileSystem fs = harness.get("demo");
                assertThat(fs.getStatus().getTargets())
                        .filteredOn(t -> t.getKind() == TargetKind.OST)
                        .extracting(TargetStatus::getIndex)
                        .containsExactlyInAnyOrder(0, 1, 2);
                assertThat(fs.getStatus().getTargets())
                        .extracting(TargetStatus::getState)
                        .containsOnly(TargetState.Ready);
                assertThat(harness.kubevirt().boots("demo-oss2"))
                        .as("the new OSS booted once")
                        .isEqualTo(1);
                assertThat(harness.events().stream()
                                .filter(e -> EventReason.ServerCreated.name().equals(e.getReason()))
                                .filter(e -> e.getMessage().startsWith("demo-oss2 "))
                                .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
                                .sum())
                        .as("the new OSS was created once; the new leader adopted it")
                        .isEqualTo(1);
            }
        }
    }

    /**
     * The servers as one replica reaches them; armed, the replica's process dies right after the MGS has recorded
     * a standby's release ({@code lctl set_param -P -d}): the command took effect, the status saying so was never
     * written. The call never returns (the pass ends when the replica is stopped), as a killed process's would not.
     */
    static final class DiesAfterRelease implements ServerCommandExecutor {
        private final ServerCommandExecutor servers;
        volatile boolean armed;
        final CountDownLatch released = new CountDownLatch(1);

        DiesAfterRelease(ServerCommandExecutor servers) {
            this.servers = servers;
        }

        @Override
        public CommandResult exec(String namespace, String vmName, List<String> argv, Duration timeout) {
            CommandResult result = servers.exec(namespace, vmName, argv, timeout);
            if (armed && argv.contains("-P") && argv.contains("-d")) {
                armed = false;
                released.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("the process was killed");
            }
            return result;
        }
    }

    @Test
    void whenTheLeadingOperatorDiesAfterReleasingAStandbyButBeforeRecordingItTheOtherFinishesTheScaleOutOnce(
            ControlPlane plane) throws Exception {
        try (OperatorHarness harness = OperatorHarness.onRealControlPlane("lfs1", plane)) {
            String ns = harness.namespace();
            harness.kubevirt().start(20);
            DiesAfterRelease serversOfA = new DiesAfterRelease(harness.lustre());
            DiesAfterRelease serversOfB = new DiesAfterRelease(harness.lustre());
            try (OperatorReplica a = new OperatorReplica(newClient(plane), ns, "a", serversOfA);
                    OperatorReplica b = new OperatorReplica(newClient(plane), ns, "b", serversOfB)) {
                OperatorReplica.steadyLeader(List.of(a, b));
                LustreFileSystem fs = Fixtures.tcp("demo", 2);
                fs.getSpec().setStandby(new StandbySpec(1));
                harness.create(fs);
                await().atMost(Duration.ofMinutes(3))
                        .until(() -> phase(harness) == Phase.Ready
                                && onStandby(harness, "demo-oss2")
                                && serverReady(harness, "demo-oss2"));
                assertThat(harness.lustre().holdsNoNewObjects(2)).isTrue();

                OperatorReplica leader = a.operator != null && a.leadership.isLeading() ? a : b;
                DiesAfterRelease servers = leader == a ? serversOfA : serversOfB;
                servers.armed = true;
                harness.editSpec("demo", spec -> spec.setOstCount(3));
                assertThat(servers.released.await(2, TimeUnit.MINUTES))
                        .as("the leader released the standby's hold on the MGS")
                        .isTrue();
                long killed = System.nanoTime();
                leader.lock.cutOff(true);
                leader.die();
                assertThat(onStandby(harness, "demo-oss2"))
                        .as("the status still says standby: the kill fell between the command and its record")
                        .isTrue();

                OperatorReplica other = leader == a ? b : a;
                await().atMost(Duration.ofMinutes(3))
                        .until(() -> phase(harness) == Phase.Ready
                                && readyOsts(harness) == 3
                                && !onStandby(harness, "demo-oss2")
                                && onStandby(harness, "demo-oss3")
                                && serverReady(harness, "demo-oss3"));
                System.out.printf(
                        "operator killed between a standby's release and its record: scale-out finished and the spare"
                                + " replaced %d ms after the kill (real control plane)%n",
                        (System.nanoTime() - killed) / 1_000_000);
                assertThat(other.leadership.isLeading()).isTrue();

                // The standby went into service once; one spare made behind it, nothing else.
                assertThat(harness.vmNames())
                        .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");
                assertThat(harness.get("demo").getStatus().getTargets())
                        .filteredOn(t -> t.getKind() == TargetKind.OST)
                        .extracting(TargetStatus::getIndex)
                        .containsExactlyInAnyOrder(0, 1, 2, 3);
                assertThat(harness.lustre().holdsNoNewObjects(2)).isFalse();
                assertThat(harness.lustre().holdsNoNewObjects(3)).isTrue();
                assertThat(harness.kubevirt().boots("demo-oss2"))
                        .as("put into service without a reboot")
                        .isEqualTo(1);
                assertThat(harness.events().stream()
                                .filter(e -> "StandbyPromoted".equals(e.getReason()))
                                .mapToInt(e -> e.getCount() == null ? 1 : e.getCount())
                                .sum())
                        .as("promoted once, by the new leader")
                        .isEqualTo(1);
            }
        }
    }

    private static boolean onStandby(OperatorHarness harness, String server) {
        LustreFileSystem fs = harness.get("demo");
        return fs != null
                && fs.getStatus() != null
                && fs.getStatus().server(server).map(s -> s.onStandby()).orElse(false);
    }

    private static boolean serverReady(OperatorHarness harness, String server) {
        LustreFileSystem fs = harness.get("demo");
        return fs != null
                && fs.getStatus() != null
                && fs.getStatus().server(server).map(s -> s.readyNow()).orElse(false);
    }

    private static KubernetesClient newClient(ControlPlane plane) {
        return new KubernetesClientBuilder().withConfig(plane.adminConfig()).build();
    }

    private static Phase phase(OperatorHarness harness) {
        LustreFileSystem fs = harness.get("demo");
        return fs == null || fs.getStatus() == null ? null : fs.getStatus().getPhase();
    }

    private static long readyOsts(OperatorHarness harness) {
        LustreFileSystem fs = harness.get("demo");
        return fs == null || fs.getStatus() == null
                ? 0
                : fs.getStatus().getTargets().stream()
                        .filter(t -> t.getKind() == TargetKind.OST && t.getState() == TargetState.Ready)
                        .count();
    }
}
