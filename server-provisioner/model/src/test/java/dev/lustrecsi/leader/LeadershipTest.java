package dev.lustrecsi.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.testing.kube.FaultyLock;
import dev.lustrecsi.testing.kube.FaultyLock.Fault;
import dev.lustrecsi.testing.kube.SteadyLeader;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas campaigning for one Lease on fabric8's mock API server (CRUD mode: it stores the Lease and
 * rejects updates at a stale resourceVersion, as an API server does). Each replica "acts" (records a
 * timestamp) every few milliseconds while it leads, as the controller's and the operator's loops do; faults are
 * put in front of one replica's Lease calls: refused (a dead process, from the Lease's point of view) or hanging
 * (a partition: the request never returns).
 */
class LeadershipTest {
    /**
     * Short timings so the tests run in seconds, long enough that a loaded build machine renews in time; the
     * defaults are 15s/10s/2s.
     */
    private static final Leadership.Timing FAST =
            new Leadership.Timing(Duration.ofMillis(4000), Duration.ofMillis(3000), Duration.ofMillis(400));

    /** One mock API server (CRUD mode) per test; each replica opens its own client. */
    KubernetesMockServer server;

    KubernetesClient client;
    private final List<Replica> replicas = new ArrayList<>();
    /** Every action of every replica, in order: identity and monotonic time. */
    private final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();

    record Action(String who, long nanos) {}

    /** The namespace of the Lease. */
    String ns = "ns";

    @BeforeEach
    void startServer() {
        startApiServer();
        client = connect();
    }

    @AfterEach
    void stop() {
        replicas.forEach(Replica::stop);
        client.close();
        stopApiServer();
    }

    /** The API server the replicas share: fabric8's mock here, a real one in a subclass. */
    void startApiServer() {
        server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
    }

    void stopApiServer() {
        server.destroy();
    }

    /** A new connection to that API server. */
    KubernetesClient connect() {
        return server.createClient();
    }

    @Test
    void exactlyOneOfTwoReplicasLeadsAndActs() throws Exception {
        Replica a = replica("a");
        Replica b = replica("b");
        Replica leader = awaitSteadyLeaderOf(a, b);
        actions.clear();
        Thread.sleep(2 * FAST.leaseDuration().toMillis());

        assertThat(a.leadership.isLeading() ^ b.leadership.isLeading()).isTrue();
        assertThat(actions).extracting(Action::who).containsOnly(leader.name);
        Lease lease = client.leases().inNamespace(ns).withName("work").get();
        assertThat(lease.getSpec().getHolderIdentity())
                .isEqualTo(leader().leadership.identity());
    }

    @Test
    void whenTheLeaderDiesTheOtherTakesOverWithinTheBoundAndTheyNeverActTogether() throws Exception {
        Replica first = awaitSteadyLeaderOf(replica("a"), replica("b"));
        Replica second = other(first);

        long killed = System.nanoTime();
        first.lock.set(Fault.REFUSE); // the process is gone: it never renews again
        assertThat(second.leadership.awaitLeading(FAST.takeoverBound().plusSeconds(2)))
                .isTrue();
        Duration takeover = Duration.ofNanos(second.actingSince(killed) - killed);
        System.out.printf(
                "takeover after the leader died: %d ms (bound %d ms)%n",
                takeover.toMillis(), FAST.takeoverBound().toMillis());

        assertThat(takeover).isLessThanOrEqualTo(FAST.takeoverBound());
        assertThat(first.lostAt).as("the dead leader's own watchdog fired").isGreaterThan(killed);
        assertNoOverlap(first, second, killed);
    }

    @Test
    void aLeaderCutOffFromTheApiStopsActingBeforeTheOtherStarts() throws Exception {
        Replica first = awaitSteadyLeaderOf(replica("a"), replica("b"));
        Replica second = other(first);

        long partitioned = System.nanoTime();
        first.lock.set(Fault.HANG); // its Lease requests never come back
        assertThat(second.leadership.awaitLeading(FAST.takeoverBound().plusSeconds(2)))
                .isTrue();
        System.out.printf(
                "partitioned leader stopped after %d ms; the other started after %d ms%n",
                (first.lostAt - partitioned) / 1_000_000, (second.actingSince(partitioned) - partitioned) / 1_000_000);

        assertThat(first.lostAt)
                .as("the partitioned leader stopped on its own deadline")
                .isGreaterThan(partitioned);
        assertThat(first.lostAt).isLessThan(second.actingSince(partitioned));
        assertThat(Duration.ofNanos(first.lostAt - partitioned))
                .isLessThanOrEqualTo(FAST.renewDeadline().plus(FAST.retryPeriod()));
        assertNoOverlap(first, second, partitioned);
        assertThat(first.leadership.isLeading()).isFalse();
        first.lock.release();
    }

    @Test
    void aLeaderThatShutsDownHandsTheLeaseOverWithoutWaitingForItToExpire() throws Exception {
        Replica first = awaitSteadyLeaderOf(replica("a"), replica("b"));
        Replica second = other(first);

        long lostBefore = first.lostAt;
        long closed = System.nanoTime();
        first.stop();
        assertThat(second.leadership.awaitLeading(FAST.takeoverBound())).isTrue();

        assertThat(Duration.ofNanos(second.actingSince(closed) - closed)).isLessThan(FAST.leaseDuration());
        assertThat(first.lostAt).as("a deliberate stop is not a loss").isEqualTo(lostBefore);
    }

    @Test
    void aReplicaThatLostLeadershipCampaignsAgainWhenToldToAndLeadsOnceTheOtherGoes() throws Exception {
        Replica a = new Replica("a", true);
        replicas.add(a);
        assertThat(awaitSteadyLeader()).isSameAs(a);
        Replica b = replica("b");

        a.lock.set(Fault.REFUSE);
        assertThat(b.leadership.awaitLeading(FAST.takeoverBound().plusSeconds(2)))
                .isTrue();
        assertThat(a.leadership.hasLost()).isTrue();
        a.lock.set(Fault.NONE); // a is back, as a follower: b holds the Lease
        Thread.sleep(2 * FAST.retryPeriod().toMillis());
        assertThat(a.leadership.isLeading()).isFalse();

        b.stop();
        assertThat(a.leadership.awaitLeading(FAST.takeoverBound())).isTrue();
        assertNoOverlap(b, a, a.lostAt);
    }

    @Test
    void aRenewDeadlineThatIsNotShorterThanTheLeaseIsRefused() {
        assertThatThrownBy(() ->
                        new Leadership.Timing(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shorter than the lease duration");
        assertThatThrownBy(() ->
                        new Leadership.Timing(Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retry period");
        assertThat(Leadership.Timing.DEFAULTS.takeoverBound()).isEqualTo(Duration.ofMillis(19_400));
    }

    /** The actions of {@code second} after {@code since} all come after the last action of {@code first}. */
    private void assertNoOverlap(Replica first, Replica second, long since) {
        long lastOfFirst = actions.stream()
                .filter(x -> x.who().equals(first.name))
                .mapToLong(Action::nanos)
                .max()
                .orElseThrow();
        long firstOfSecond = actions.stream()
                .filter(x -> x.who().equals(second.name) && x.nanos() > since)
                .mapToLong(Action::nanos)
                .min()
                .orElseThrow();
        assertThat(lastOfFirst)
                .as("the old leader's last action precedes the new leader's first")
                .isLessThan(firstOfSecond);
    }

    private Replica replica(String name) {
        Replica r = new Replica(name);
        replicas.add(r);
        return r;
    }

    /**
     * The replica that has led without interruption for a renew deadline. A cold JVM on a loaded machine can be
     * slow enough on its first Lease calls to miss its first deadline (and correctly step down); the fault tests
     * start from a leader that renews normally.
     */
    private Replica awaitSteadyLeaderOf(Replica a, Replica b) throws InterruptedException {
        Replica leader = awaitSteadyLeader();
        assertThat(leader).isIn(a, b);
        return leader;
    }

    private Replica awaitSteadyLeader() throws InterruptedException {
        return SteadyLeader.await(
                replicas, r -> r.leadership.isLeading(), FAST.renewDeadline(), Duration.ofSeconds(30));
    }

    private Replica leader() {
        return replicas.stream()
                .filter(r -> r.leadership.isLeading())
                .findFirst()
                .orElseThrow();
    }

    private Replica other(Replica r) {
        return replicas.stream().filter(x -> x != r).findFirst().orElseThrow();
    }

    /** One replica: an elector with a fault switch in front of its Lease calls, and a loop that acts while leading. */
    final class Replica {
        final String name;
        final Leadership leadership;
        final Thread worker;
        /** The replica's connection to the API server, with a switch to refuse or hang every Lease call. */
        final FaultyLock lock;

        volatile long lostAt;
        /** Each replica its own connection, as separate processes have. */
        final KubernetesClient connection = connect();

        Replica(String name) {
            // Rejoining: a replica whose first Lease calls were too slow on a cold JVM (and so stepped down, as it
            // must) campaigns again instead of sitting out the test.
            this(name, true);
        }

        Replica(String name, boolean rejoin) {
            this.name = name;
            lock = new FaultyLock(new LeaseLock(ns, "work", name));
            leadership = new Leadership(
                            connection, lock, FAST, () -> lostAt = System.nanoTime(), rejoin, System::nanoTime)
                    .start();
            worker = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            if (leadership.isLeading()) {
                                actions.add(new Action(name, System.nanoTime()));
                            }
                            try {
                                Thread.sleep(5);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "work-" + name);
            worker.setDaemon(true);
            worker.start();
        }

        /** Time of this replica's first action after {@code t}, or 0. */
        long actingSince(long t) {
            return actions.stream()
                    .filter(x -> x.who().equals(name) && x.nanos() > t)
                    .mapToLong(Action::nanos)
                    .min()
                    .orElse(0);
        }

        void stop() {
            lock.release();
            worker.interrupt();
            leadership.close();
            connection.close();
        }
    }
}
