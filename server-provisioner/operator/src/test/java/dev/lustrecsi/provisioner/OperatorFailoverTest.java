package dev.lustrecsi.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.leader.Leadership;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.sim.KubeVirtSimulator;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.provisioner.sim.SimulatedLustre;
import dev.lustrecsi.testing.kube.FaultyLock;
import dev.lustrecsi.testing.kube.SteadyLeader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three operator replicas, wired as OperatorMain wires them (a Lease each campaigns for; the reconcile loop starts
 * once leading and is gated on it), against the mock API server and a free-running KubeVirt simulator. The leader
 * is cut off from the API server while it bootstraps a filesystem: it stops (its process would exit), the other
 * replica takes over and finishes, and every server and disk exists exactly once.
 */
class OperatorFailoverTest {
    /**
     * Shorter than the defaults (15s/10s/2s), long enough that a loaded build machine renews in time: a replica
     * that misses its deadline steps down for good here (its process would exit and be restarted by Kubernetes).
     */
    static final Leadership.Timing FAST =
            new Leadership.Timing(Duration.ofSeconds(10), Duration.ofSeconds(7), Duration.ofSeconds(1));

    /** One operator process: its own connection, a Lease it campaigns for, the operator loop once it leads. */
    static final class Replica implements AutoCloseable {
        final String name;
        final KubernetesClient client;
        final Leadership leadership;
        final FaultyLock lock;
        volatile LustreOperator operator;
        volatile long stoppedAt;
        volatile long ledAt;

        Replica(MockCluster cluster, String name, SimulatedLustre lustre) {
            this(cluster.newClient(), "hpc", name, lustre);
        }

        /** A replica on its own connection {@code client}, watching and electing in {@code namespace}. */
        Replica(
                KubernetesClient client,
                String namespace,
                String name,
                dev.lustrecsi.provisioner.exec.ServerCommandExecutor lustre) {
            this.name = name;
            this.client = client;
            this.lock = new FaultyLock(new LeaseLock(namespace, OperatorMain.LEASE_NAME, name));
            // onLost: what OperatorMain's Leadership.exitProcess does to the process, here to this replica.
            this.leadership = new Leadership(client, lock, FAST, this::die, false, System::nanoTime).start();
            Thread starter = new Thread(
                    () -> {
                        try {
                            if (leadership.awaitLeading(Duration.ofMinutes(2))) {
                                ledAt = System.nanoTime();
                                var reconciler =
                                        new LustreFileSystemReconciler(client, lustre, new EventRecorder(client), null);
                                LustreOperator op = new LustreOperator(
                                                client, reconciler, namespace, Duration.ofMillis(200))
                                        .gatedBy(leadership::isLeading);
                                operator = op;
                                op.start();
                                if (leadership.hasLost()) {
                                    die(); // lost while starting: the process would have exited
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "start-" + name);
            starter.setDaemon(true);
            starter.start();
        }

        void die() {
            stoppedAt = System.nanoTime();
            LustreOperator op = operator;
            operator = null;
            if (op != null) {
                op.close();
            }
        }

        @Override
        public void close() {
            leadership.close();
            die();
            client.close();
        }
    }

    @Test
    void whenTheLeadingOperatorIsCutOffMidBootstrapTheOtherFinishesAndNothingIsDuplicated() throws Exception {
        try (MockCluster cluster = MockCluster.start();
                KubeVirtSimulator kubevirt = new KubeVirtSimulator(cluster.client(), "hpc").start(20)) {
            KubernetesClient client = cluster.client();
            SimulatedLustre lustre = new SimulatedLustre(client, "hpc", "lfs1");
            try (Replica a = new Replica(cluster, "a", lustre);
                    Replica b = new Replica(cluster, "b", lustre);
                    Replica c = new Replica(cluster, "c", lustre)) {
                // The replica that leads steadily (on a cold, loaded JVM a first Lease write can come too late and
                // its replica steps down at once, as it must; Kubernetes would restart that process).
                Replica leader = steadyLeader(List.of(a, b, c));
                LustreFileSystem fs = Fixtures.tcp("demo", 2);
                fs.getMetadata().setUid(null);
                client.resources(LustreFileSystem.class)
                        .inNamespace("hpc")
                        .resource(fs)
                        .create();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !cluster.vms("hpc").isEmpty());
                long cut = System.nanoTime();
                leader.lock.cutOff(true);

                await().atMost(FAST.takeoverBound().plusSeconds(10))
                        .until(() -> List.of(a, b, c).stream()
                                .anyMatch(r -> r != leader && r.operator != null && r.leadership.isLeading()));
                Replica other = List.of(a, b, c).stream()
                        .filter(r -> r != leader && r.operator != null && r.leadership.isLeading())
                        .findFirst()
                        .orElseThrow();
                System.out.printf(
                        "operator cut off mid-bootstrap: stopped after %d ms, the other leading after %d ms%n",
                        (leader.stoppedAt - cut) / 1_000_000, (other.ledAt - cut) / 1_000_000);
                assertThat(leader.stoppedAt).as("the cut-off leader stopped").isPositive();
                assertThat(leader.stoppedAt).isLessThan(other.ledAt);

                await().atMost(Duration.ofSeconds(120)).until(() -> cluster.phase("hpc", "demo") == Phase.Ready);
                assertThat(cluster.vms("hpc"))
                        .extracting(v -> v.getMetadata().getName())
                        .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1");
                // Every disk belongs to a server and every server's disk exists: none lost, none made twice.
                List<String> disks = client.persistentVolumeClaims().inNamespace("hpc").list().getItems().stream()
                        .map(p -> p.getMetadata().getName())
                        .sorted()
                        .toList();
                List<String> claimed = cluster.vms("hpc").stream()
                        .flatMap(v -> v.getSpec().getTemplate().getSpec().getVolumes().stream())
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .map(v -> v.getPersistentVolumeClaim().getClaimName())
                        .sorted()
                        .toList();
                assertThat(disks).isNotEmpty().isEqualTo(claimed);
                assertThat(kubevirt.boots("demo-oss0"))
                        .as("no server booted twice")
                        .isEqualTo(1);
                assertThat(kubevirt.boots("demo-oss1")).isEqualTo(1);
                assertThat(kubevirt.boots("demo-mds0")).isEqualTo(1);
            }
        }
    }

    static Replica steadyLeader(List<Replica> replicas) throws InterruptedException {
        return SteadyLeader.await(
                replicas,
                r -> r.operator != null && r.leadership.isLeading(),
                FAST.renewDeadline(),
                Duration.ofSeconds(60));
    }
}
