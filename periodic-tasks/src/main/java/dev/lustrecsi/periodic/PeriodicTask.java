package dev.lustrecsi.periodic;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A periodic task that survives its own failures. A {@link ScheduledExecutorService} cancels a fixed-delay task
 * for good the first time it throws, silently; here each pass runs inside a catch-all: a failed pass is logged,
 * counted ({@code lustre_csi_periodic_task_failures_total{task}}) and the next one runs as planned. Each pass
 * also records when it started and ended ({@code lustre_csi_periodic_task_last_success_seconds{task}}), so
 * {@link #readiness()} can say when a pass has been running for too long or none has ended for too long (the
 * thread is stuck, e.g. on an API call without a timeout).
 */
public final class PeriodicTask implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicTask.class);
    private static final int MAX_TEXT = 1000;

    /** The metrics of every task in a registry, labelled by task name. */
    public static final class Metrics {
        private final Counter failures;
        private final Counter runs;
        private final Gauge lastSuccess;

        public Metrics(PrometheusRegistry registry) {
            failures = Counter.builder()
                    .name("lustre_csi_periodic_task_failures_total")
                    .help("passes of a periodic task that ended with an exception (the task runs again)")
                    .labelNames("task")
                    .register(registry);
            runs = Counter.builder()
                    .name("lustre_csi_periodic_task_runs_total")
                    .help("passes of a periodic task, failed or not")
                    .labelNames("task")
                    .register(registry);
            lastSuccess = Gauge.builder()
                    .name("lustre_csi_periodic_task_last_success_seconds")
                    .help("Unix time at which the task's last successful pass ended")
                    .labelNames("task")
                    .register(registry);
        }
    }

    private final String name;
    private final Runnable body;
    private final Duration stuckAfter;
    private final Metrics metrics;
    private final Clock clock;
    private final Instant created;
    /** When the pass in progress started, or null between passes. */
    private final AtomicReference<Instant> runningSince = new AtomicReference<>();

    private final AtomicReference<Instant> lastEnded = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();

    /**
     * @param stuckAfter a pass running longer than this, or no pass ending within this, makes {@link #readiness()}
     *                   not ready: pick more than the interval plus the longest a healthy pass takes
     */
    public PeriodicTask(String name, Duration stuckAfter, Metrics metrics, Clock clock, Runnable body) {
        this.name = name;
        this.body = body;
        this.stuckAfter = stuckAfter;
        this.metrics = metrics;
        this.clock = clock;
        this.created = clock.instant();
    }

    /**
     * A task meant to run every {@code period} on the system clock, stuck after three periods and five minutes more
     * (room for a slow pass, e.g. a statfs on a recovering Lustre mount, before readiness fails).
     */
    public static PeriodicTask every(Duration period, String name, Metrics metrics, Runnable body) {
        return new PeriodicTask(name, period.multipliedBy(3).plusMinutes(5), metrics, Clock.systemUTC(), body);
    }

    /** Schedules this task with a fixed delay between passes. */
    public PeriodicTask schedule(ScheduledExecutorService executor, Duration initialDelay, Duration delay) {
        executor.scheduleWithFixedDelay(this, initialDelay.toMillis(), delay.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** One pass; never throws (an Error is logged and counted too: a lost scheduled task is worse). */
    @Override
    public void run() {
        runningSince.set(clock.instant());
        metrics.runs.labelValues(name).inc();
        try {
            body.run();
            lastFailure.set(null);
            metrics.lastSuccess.labelValues(name).set(clock.millis() / 1000.0);
        } catch (Throwable e) {
            metrics.failures.labelValues(name).inc();
            lastFailure.set(bounded(String.valueOf(e)));
            LOG.warn("{} failed this pass (it runs again): {}", name, bounded(String.valueOf(e)), e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            lastEnded.set(clock.instant());
            runningSince.set(null);
        }
    }

    /** Whether the task is healthy, and why not (for a readiness probe and its log). */
    @FunctionalInterface
    public interface Readiness {
        Result check();

        record Result(boolean ready, String detail) {
            public static Result ready(String detail) {
                return new Result(true, detail);
            }

            public static Result notReady(String detail) {
                return new Result(false, detail);
            }
        }
    }

    /** Not ready while a pass has run longer than the bound, or none has ended within it. */
    public Readiness readiness() {
        return () -> {
            Instant now = clock.instant();
            Instant started = runningSince.get();
            if (started != null && Duration.between(started, now).compareTo(stuckAfter) > 0) {
                return Readiness.Result.notReady(name + " has been running for "
                        + Duration.between(started, now).toSeconds() + " s (stuck?)");
            }
            Instant ended = lastEnded.get();
            Instant since = ended == null ? created : ended;
            if (started == null && Duration.between(since, now).compareTo(stuckAfter) > 0) {
                return Readiness.Result.notReady(name + " has not run for "
                        + Duration.between(since, now).toSeconds() + " s");
            }
            String failure = lastFailure.get();
            return Readiness.Result.ready(
                    name + (failure == null ? " ok" : " running (last pass failed: " + failure + ")"));
        };
    }

    public String name() {
        return name;
    }

    /** A failure's text for the log and the probe: control characters escaped (no forged lines), at most ~1 KiB. */
    static String bounded(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < MAX_TEXT; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.length() < MAX_TEXT ? out.toString() : out.append("...").toString();
    }
}
