package dev.lustrecsi.provisioner;

import dev.lustrecsi.leader.Leadership;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.provisioner.sim.SimulatedLustre;
import dev.lustrecsi.testing.kube.FaultyLock;
import dev.lustrecsi.testing.kube.SteadyLeader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.List;

/** One operator process: its own connection, a Lease it campaigns for, the operator loop once it leads. */
final class OperatorReplica implements AutoCloseable {
    /**
     * Shorter than the defaults (15s/10s/2s), long enough that a loaded build machine renews in time: a replica
     * that misses its deadline steps down for good here (its process would exit and be restarted by Kubernetes).
     */
    static final Leadership.Timing FAST =
            new Leadership.Timing(Duration.ofSeconds(10), Duration.ofSeconds(7), Duration.ofSeconds(1));

    final String name;
    final KubernetesClient client;
    final Leadership leadership;
    final FaultyLock lock;
    volatile LustreOperator operator;
    volatile long stoppedAt;
    volatile long ledAt;

    OperatorReplica(MockCluster cluster, String name, SimulatedLustre lustre) {
        this(cluster.newClient(), "hpc", name, lustre);
    }

    /** A replica on its own connection {@code client}, watching and electing in {@code namespace}. */
    OperatorReplica(
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

    /** The replica that leads steadily (a first Lease write can come too late on a loaded JVM). */
    static OperatorReplica steadyLeader(List<OperatorReplica> replicas) throws InterruptedException {
        return SteadyLeader.await(
                replicas,
                r -> r.operator != null && r.leadership.isLeading(),
                FAST.renewDeadline(),
                Duration.ofSeconds(60));
    }
}
