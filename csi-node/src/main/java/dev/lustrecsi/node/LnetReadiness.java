package dev.lustrecsi.node;

import dev.lustrecsi.csi.server.ReadinessCheck;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Probe's view of the Lustre client: the state the last LNet configuration found, so that Probe answers at once
 * instead of running modprobe, lctl and lnetctl (four processes, seconds on a loaded node) inside the call. The
 * plugin configures LNet in the background as soon as it starts; until that first run ends Probe answers not
 * ready, saying so. An answer older than {@code maxAge}, or one that was not ready, makes the next Probe start a
 * new run in the background (which also repairs what went away), so a node whose LNet changes is seen within
 * {@code maxAge} plus one run. The truth stays on the node: this only remembers when it was last asked.
 */
final class LnetReadiness implements ReadinessCheck {
    static final String STARTING = "configuring the Lustre client and LNet (first run after start in progress)";

    private record Seen(LnetState state, long atNanos) {}

    private final LnetConfigurator lnet;
    private final Executor background;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Seen last;

    LnetReadiness(LnetConfigurator lnet, Executor background, Duration maxAge) {
        this(lnet, background, maxAge, System::nanoTime);
    }

    LnetReadiness(LnetConfigurator lnet, Executor background, Duration maxAge, LongSupplier nanoTime) {
        this.lnet = lnet;
        this.background = background;
        this.maxAgeNanos = maxAge.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Configures LNet now, in the caller's thread, and remembers the result. */
    LnetState refresh() {
        running.set(true);
        try {
            LnetState state = lnet.ensureConfigured();
            last = new Seen(state, nanoTime.getAsLong());
            return state;
        } finally {
            running.set(false);
        }
    }

    @Override
    public Result check() {
        Seen seen = last;
        boolean stale = seen == null || !seen.state().ready() || nanoTime.getAsLong() - seen.atNanos() > maxAgeNanos;
        if (stale && running.compareAndSet(false, true)) {
            try {
                background.execute(this::refresh);
            } catch (RuntimeException e) { // rejected: the plugin is stopping
                running.set(false);
            }
        }
        if (seen == null) {
            return Result.notReady(STARTING);
        }
        return new Result(seen.state().ready(), seen.state().detail());
    }
}
