package dev.lustrecsi.controller;

import dev.lustrecsi.leader.Leadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the controller's periodic rounds (pool reconciling, orphan collection) on the replica that holds the
 * controller's Lease only, so two replicas never scale one pool or collect one orphan twice. The CSI service is not
 * gated: it keeps no state a follower would lack (pools are read from the API server and the pool filesystem on
 * every call; each replica keeps its own informer view of the volume records, and record writes are arbitrated
 * across replicas by the API server, see VolumeRecords), and the sidecars elect their own leader.
 *
 * <p>When leadership is lost between rounds the controller simply campaigns again as a follower, keeping its CSI
 * socket up. When it is lost during a round, the round's in-flight API writes and lfs commands could still land
 * after another replica starts, so the process exits (before the Lease can be taken: the renew deadline is shorter
 * than the lease duration) and Kubernetes restarts it.
 */
final class LeaderRounds implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderRounds.class);

    private final Leadership leadership;
    private final Runnable exit;
    private final AtomicBoolean inRound = new AtomicBoolean();

    /**
     * @param leadership starts a campaign that calls the given action when leadership is lost, and rejoins
     * @param exit what ends the process when leadership is lost during a round
     */
    LeaderRounds(Function<Runnable, Leadership> leadership, Runnable exit) {
        this.exit = exit;
        this.leadership =
                leadership == null ? null : leadership.apply(this::lost).start();
    }

    /** Every round runs: a single replica (leader election off). */
    static LeaderRounds always() {
        return new LeaderRounds(null, () -> {});
    }

    static LeaderRounds elect(
            KubernetesClient client, String namespace, String lease, String identity, Leadership.Timing timing) {
        return new LeaderRounds(
                onLost -> new Leadership(client, namespace, lease, identity, timing, onLost, true),
                Leadership.exitProcess("csi-controller periodic work"));
    }

    /** Runs {@code round} if this replica leads now; returns whether it ran. Called from one thread. */
    boolean run(Runnable round) {
        // Set before the check: a loss either sees the round in flight, or the round sees the loss.
        inRound.set(true);
        try {
            if (leadership != null && !leadership.isLeading()) {
                return false;
            }
            round.run();
            return true;
        } finally {
            inRound.set(false);
        }
    }

    boolean isLeading() {
        return leadership == null || leadership.isLeading();
    }

    private void lost() {
        if (inRound.get()) {
            exit.run();
        } else {
            LOG.info("no periodic round was in flight; campaigning again, CSI calls keep being served");
        }
    }

    @Override
    public void close() {
        if (leadership != null) {
            leadership.close();
        }
    }
}
