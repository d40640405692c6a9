package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.leader.Leadership;
import dev.lustrecsi.testing.kube.FaultyLock;
import dev.lustrecsi.testing.kube.MockKubernetes;
import dev.lustrecsi.testing.kube.SteadyLeader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two controller replicas scheduling their periodic rounds against one API server (fabric8's mock in CRUD mode);
 * a round stands for pool reconciling and orphan collection. Only the Lease holder runs rounds; a replica that
 * loses the Lease during a round ends its process, one that loses it between rounds stays up as a follower.
 */
@MockKubernetes
class LeaderRoundsTest {
    private static final Leadership.Timing FAST =
            new Leadership.Timing(Duration.ofMillis(4000), Duration.ofMillis(3000), Duration.ofMillis(400));

    /** Set by @MockKubernetes: one mock API server (CRUD mode) per test; each replica opens its own client. */
    KubernetesMockServer server;

    private final List<Replica> replicas = new ArrayList<>();
    /** Every round of every replica: who, start and end (monotonic). */
    private final ConcurrentLinkedQueue<long[]> rounds = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() {
        replicas.forEach(Replica::stop);
    }

    @Test
    void onlyTheLeaseHolderRunsPeriodicRounds() throws Exception {
        Replica a = replica(0, Duration.ofMillis(10));
        Replica b = replica(1, Duration.ofMillis(10));
        Replica leader = awaitSteadyLeader();
        rounds.clear();
        Thread.sleep(FAST.leaseDuration().toMillis());

        assertThat(rounds).isNotEmpty().allSatisfy(r -> assertThat(r[0]).isEqualTo(leader.index));
        assertThat(a.exitedAt + b.exitedAt).isZero();
    }

    @Test
    void aLeaderCutOffDuringARoundExitsBeforeTheOtherReplicaStartsOne() throws Exception {
        replica(0, Duration.ofSeconds(30));
        replica(1, Duration.ofSeconds(30));
        Replica leader = awaitSteadyLeader();
        Replica other = replicas.get(1 - leader.index);
        awaitRoundInFlight(leader);

        long cut = System.nanoTime();
        leader.lock.cutOff(true);
        long deadline = System.nanoTime() + FAST.takeoverBound().plusSeconds(5).toNanos();
        while (other.firstRoundAt == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.printf(
                "leader cut off mid-round: exited after %d ms, the other's first round after %d ms%n",
                (leader.exitedAt - cut) / 1_000_000, (other.firstRoundAt - cut) / 1_000_000);

        assertThat(leader.exitedAt).as("the process ended").isPositive();
        assertThat(other.firstRoundAt).as("the other took over").isPositive();
        assertThat(leader.exitedAt).isLessThan(other.firstRoundAt);
    }

    @Test
    void aLeaderCutOffBetweenRoundsStaysUpAndFollows() throws Exception {
        replica(0, Duration.ZERO);
        replica(1, Duration.ZERO);
        Replica leader = awaitSteadyLeader();
        Replica other = replicas.get(1 - leader.index);

        leader.lock.cutOff(true);
        long deadline = System.nanoTime() + FAST.takeoverBound().plusSeconds(5).toNanos();
        while (!other.rounds.isLeading() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        leader.lock.cutOff(false);
        Thread.sleep(2 * FAST.retryPeriod().toMillis());

        assertThat(other.rounds.isLeading()).isTrue();
        assertThat(leader.rounds.isLeading()).isFalse();
        assertThat(leader.exitedAt)
                .as("no round was in flight: the process stays up")
                .isZero();
    }

    private Replica replica(int index, Duration roundLength) {
        Replica r = new Replica(index, roundLength);
        replicas.add(r);
        return r;
    }

    private Replica awaitSteadyLeader() throws InterruptedException {
        return SteadyLeader.await(replicas, r -> r.rounds.isLeading(), FAST.renewDeadline(), Duration.ofSeconds(30));
    }

    private void awaitRoundInFlight(Replica r) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (r.inRoundSince == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(r.inRoundSince).isPositive();
    }

    /** A replica: its own API connection with a fault switch, and a scheduler running rounds as ControllerMain does. */
    final class Replica {
        final int index;
        final KubernetesClient connection = server.createClient();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        final LeaderRounds rounds;
        final FaultyLock lock;
        volatile long exitedAt;
        volatile long firstRoundAt;
        volatile long inRoundSince;

        Replica(int index, Duration roundLength) {
            this.index = index;
            lock = new FaultyLock(new LeaseLock("ns", ControllerMain.LEASE_NAME, "replica-" + index));
            // "Exiting" the process: record the moment and stop everything the process runs.
            rounds = new LeaderRounds(
                    onLost -> new Leadership(connection, lock, FAST, onLost, true, System::nanoTime), () -> {
                        exitedAt = System.nanoTime();
                        scheduler.shutdownNow();
                    });
            scheduler.scheduleWithFixedDelay(
                    () -> rounds.run(() -> {
                        long start = System.nanoTime();
                        if (firstRoundAt == 0) {
                            firstRoundAt = start;
                        }
                        inRoundSince = start;
                        try {
                            Thread.sleep(roundLength.toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            inRoundSince = 0;
                        }
                        rounds().add(new long[] {index, start, System.nanoTime()});
                    }),
                    0,
                    20,
                    TimeUnit.MILLISECONDS);
        }

        ConcurrentLinkedQueue<long[]> rounds() {
            return LeaderRoundsTest.this.rounds;
        }

        void stop() {
            scheduler.shutdownNow();
            rounds.close();
            connection.close();
        }
    }
}
