package dev.lustrecsi.node;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task until it reports it is done (e.g. the startup taint to remove once the client is ready),
 * first after {@code first}, then at doubling intervals up to {@code max}: a node that will not be ready
 * soon (no client modules) is not asked, and does not log, every few seconds forever.
 */
final class UntilDone {
    private static final Logger LOG = LoggerFactory.getLogger(UntilDone.class);

    private UntilDone() {}

    static void schedule(
            ScheduledExecutorService executor, Duration first, Duration max, String what, BooleanSupplier task) {
        executor.schedule(() -> runAndReschedule(executor, first, max, what, task), 0, TimeUnit.MILLISECONDS);
    }

    private static void runAndReschedule(
            ScheduledExecutorService executor, Duration delay, Duration max, String what, BooleanSupplier task) {
        boolean done;
        try {
            done = task.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.warn("{} failed; retrying in {} s: {}", what, delay.toSeconds(), e.toString());
            done = false;
        }
        if (!done && !executor.isShutdown()) {
            Duration next = delay.multipliedBy(2).compareTo(max) > 0 ? max : delay.multipliedBy(2);
            executor.schedule(
                    () -> runAndReschedule(executor, next, max, what, task), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
