package dev.lustrecsi.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a {@code coordination.k8s.io/v1} Lease for the periodic work of a component that runs in
 * several replicas (the controller's pool reconciling and orphan collection, the operator's reconciling and
 * housekeeping): exactly one replica acts, another takes over when it dies or is cut off from the API server.
 *
 * <p>fabric8's {@code LeaderElector} does the Lease protocol. On top of it this class keeps its own deadline on a
 * monotonic clock: leadership counts from the start of the last successful write of our identity into the Lease
 * and ends {@code renewDeadline} later unless another write succeeds. fabric8 checks its renew deadline only
 * between attempts, so a renewal that hangs in a partitioned HTTP call would otherwise keep a deposed leader
 * "leading" for as long as the call hangs; here a watchdog ends leadership on time whatever the elector's threads
 * are doing. Another replica may take the Lease only {@code leaseDuration} after our last write's renewTime, so
 * with {@code renewDeadline < leaseDuration} a deposed leader stops before anyone else can start; the difference
 * is the margin for stopping and for clock skew between nodes (fabric8 compares the holder's renewTime with the
 * candidate's wall clock).
 *
 * <p>When leadership ends, {@link #isLeading()} turns false at once and {@code onLost} runs; then the instance
 * either stays out ({@code rejoin=false}) or campaigns again. The operator exits the process there (as
 * kube-controller-manager and kube-scheduler do): its work already in flight cannot outlive the process. The
 * controller rejoins unless a round of its periodic work is in flight (then it exits): its CSI service must keep
 * serving whichever replica leads, and does not depend on leadership.
 */
public final class Leadership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    /** Lease timings; the defaults are Kubernetes' own (kube-controller-manager: 15s, 10s, 2s). */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        public static final Timing DEFAULTS =
                new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

        public Timing {
            Objects.requireNonNull(leaseDuration, "leaseDuration");
            Objects.requireNonNull(renewDeadline, "renewDeadline");
            Objects.requireNonNull(retryPeriod, "retryPeriod");
            if (retryPeriod.isNegative() || retryPeriod.isZero()) {
                throw new IllegalArgumentException("leader election retry period must be positive, got " + retryPeriod);
            }
            // fabric8 jitters the acquire retries by up to 1.2x; it requires renewDeadline > 1.2 * retryPeriod.
            if (renewDeadline.toMillis() <= retryPeriod.toMillis() * 12 / 10) {
                throw new IllegalArgumentException("leader election renew deadline " + renewDeadline
                        + " must exceed 1.2 x the retry period " + retryPeriod);
            }
            if (renewDeadline.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("leader election renew deadline " + renewDeadline
                        + " must be shorter than the lease duration " + leaseDuration
                        + ": a leader that cannot renew must stop before its lease can be taken");
            }
        }

        /**
         * Longest time from a leader's last successful renewal until another live replica holds the Lease: the
         * Lease expires after leaseDuration and a candidate retries every retryPeriod plus up to 1.2x jitter.
         */
        public Duration takeoverBound() {
            return leaseDuration.plus(retryPeriod).plusMillis(retryPeriod.toMillis() * 12 / 10);
        }
    }

    private final KubernetesClient client;
    private final Lock lock;
    private final Timing timing;
    private final Runnable onLost;
    private final boolean rejoin;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService threads;
    private final AtomicBoolean everLost = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Term term;
    private volatile String observedLeader;

    /**
     * One campaign with its own fabric8 elector. A term that has led and lost never leads again; writes its
     * cancelled elector still completes are ignored.
     */
    private final class Term {
        final AtomicBoolean ended = new AtomicBoolean();
        volatile boolean led;
        /** Monotonic time until which we may act; meaningful only while {@link #led} is true. */
        volatile long leadingUntilNanos;

        volatile long attemptStartedNanos;
        volatile CompletableFuture<?> election;

        boolean leading() {
            return led && !ended.get() && !closed && nanoClock.getAsLong() - leadingUntilNanos < 0;
        }
    }

    /**
     * @param namespace namespace of the Lease
     * @param leaseName name of the Lease; one per component (replicas of one component share it)
     * @param identity this replica's holder identity; unique per process (see {@link #uniqueIdentity})
     * @param onLost runs, on a thread of this class, each time leadership ends for any reason but {@link #close}
     * @param rejoin whether to campaign again after a loss (with {@code false}, a loss is final)
     */
    public Leadership(
            KubernetesClient client,
            String namespace,
            String leaseName,
            String identity,
            Timing timing,
            Runnable onLost,
            boolean rejoin) {
        this(client, new LeaseLock(namespace, leaseName, identity), timing, onLost, rejoin, System::nanoTime);
    }

    /** With another lock or clock: tests put a fault in front of the API server calls. */
    public Leadership(
            KubernetesClient client,
            Lock lock,
            Timing timing,
            Runnable onLost,
            boolean rejoin,
            LongSupplier nanoClock) {
        this.client = client;
        this.lock = lock;
        this.timing = timing;
        this.onLost = onLost;
        this.rejoin = rejoin;
        this.nanoClock = nanoClock;
        this.threads = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "leader-election-" + lock.identity());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * {@code <hostname>_<random>}, as client-go names candidates: a restarted container in the same pod is a new
     * candidate, never mistaken for the holder its previous process was.
     */
    public static String uniqueIdentity() {
        String host = System.getenv("POD_NAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown";
            }
        }
        return host + "_" + UUID.randomUUID();
    }

    /** The process-exit action for {@code onLost}: in-flight work cannot outlive the process. */
    public static Runnable exitProcess(String component) {
        return () -> {
            LoggerFactory.getLogger(Leadership.class)
                    .error(
                            "{}: leadership lost; exiting so that no work of this "
                                    + "process can overlap the next leader's (Kubernetes restarts the container)",
                            component);
            // halt, not exit: shutdown hooks could block past the margin the Lease leaves us.
            Runtime.getRuntime().halt(1);
        };
    }

    /** Starts campaigning; returns at once. */
    public synchronized Leadership start() {
        if (term == null) {
            startTerm();
            long tick = Math.max(10, Math.min(100, timing.retryPeriod().toMillis() / 4));
            threads.scheduleWithFixedDelay(this::watchdog, tick, tick, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private synchronized void startTerm() {
        if (closed) {
            return;
        }
        Term t = new Term();
        WatchedLock watched = new WatchedLock(lock, t);
        var config = new LeaderElectionConfigBuilder()
                .withName(lock.describe())
                .withLock(watched)
                .withLeaseDuration(timing.leaseDuration())
                .withRenewDeadline(timing.renewDeadline())
                .withRetryPeriod(timing.retryPeriod())
                // On close (rolling update, SIGTERM) or loss the Lease is handed back, so the other replica need
                // not wait for it to expire.
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> LOG.info("{}: elected leader", lock.describe()),
                        () -> lose(t, "the elector stopped leading (renewal failed or another holder was seen)"),
                        leader -> {
                            observedLeader = leader;
                            LOG.info("{}: leader is now {}", lock.describe(), leader);
                        }))
                .build();
        term = t;
        t.election = client.leaderElector().withConfig(config).build().start();
    }

    /** Whether this replica may act now: it holds the Lease and its last renewal is recent enough. */
    public boolean isLeading() {
        Term t = term;
        return t != null && t.leading();
    }

    /** Whether leadership was held and has ended at least once. */
    public boolean hasLost() {
        return everLost.get();
    }

    /** The holder last seen in the Lease (ours or another's), or null before the first read. */
    public String observedLeader() {
        return observedLeader;
    }

    public String identity() {
        return lock.identity();
    }

    /**
     * Blocks until this replica leads; false when {@code timeout} passes first, or when leadership was lost and
     * this instance does not rejoin.
     */
    public boolean awaitLeading(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isLeading()) {
            if ((everLost.get() && !rejoin) || closed || System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(Math.max(5, Math.min(100, timing.retryPeriod().toMillis() / 4)));
        }
        return true;
    }

    private void watchdog() {
        Term t = term;
        if (t != null && t.led && !t.ended.get() && nanoClock.getAsLong() - t.leadingUntilNanos >= 0) {
            lose(t, "no successful renewal within the renew deadline " + timing.renewDeadline());
        }
    }

    private void lose(Term t, String why) {
        if (!t.led || closed || !t.ended.compareAndSet(false, true)) {
            return;
        }
        everLost.set(true);
        LOG.warn("{}: leadership lost: {}; stopping", lock.describe(), why);
        threads.execute(onLost);
        // Stop this term's elector too: left running it would keep renewing a Lease this term no longer acts on.
        // Cancelling hands the Lease back when the API server answers.
        // On its own thread: the release may hang as long as the API server does not answer, and must not hold up
        // the watchdog.
        Thread stopper = new Thread(
                () -> {
                    cancel(t);
                    if (rejoin) {
                        startTerm();
                    }
                },
                "leader-election-stop-" + lock.identity());
        stopper.setDaemon(true);
        stopper.start();
    }

    /** Stops campaigning and, if leading, hands the Lease back; {@code onLost} does not run. */
    @Override
    public void close() {
        closed = true;
        Term t = term;
        if (t != null) {
            t.ended.set(true);
            cancel(t);
        }
        threads.shutdownNow();
    }

    private static void cancel(Term t) {
        CompletableFuture<?> running = t.election;
        if (running != null) {
            running.cancel(true);
        }
    }

    /**
     * Notes when each attempt starts and when a write of our identity succeeds. fabric8's elector calls
     * get, then create/update, under its own lock, one attempt at a time; the renewTime it writes is taken just
     * before the get, and our deadline counts from the get's start.
     */
    private final class WatchedLock implements Lock {
        private final Lock delegate;
        private final Term term;

        WatchedLock(Lock delegate, Term term) {
            this.delegate = delegate;
            this.term = term;
        }

        @Override
        public LeaderElectionRecord get(KubernetesClient c) {
            term.attemptStartedNanos = nanoClock.getAsLong();
            return delegate.get(c);
        }

        @Override
        public void create(KubernetesClient c, LeaderElectionRecord record) {
            long started = term.attemptStartedNanos;
            delegate.create(c, record);
            written(record, started);
        }

        @Override
        public void update(KubernetesClient c, LeaderElectionRecord record) {
            long started = term.attemptStartedNanos;
            delegate.update(c, record);
            written(record, started);
        }

        private void written(LeaderElectionRecord record, long started) {
            if (!delegate.identity().equals(record.getHolderIdentity()) || term.ended.get() || closed) {
                return;
            }
            term.leadingUntilNanos = started + timing.renewDeadline().toNanos();
            term.led = true;
        }

        @Override
        public String identity() {
            return delegate.identity();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }
    }
}
