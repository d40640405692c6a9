package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits for a {@link Goal} by watching the resource (fabric8's informer-backed waitUntilCondition), and
 * prints a progress line to stderr each time the visible state changes, so a person sees it move and a
 * script's stdout stays clean.
 */
final class Waiter {
    private final FileSystems fileSystems;
    private final PrintWriter progress;

    Waiter(FileSystems fileSystems, PrintWriter progress) {
        this.fileSystems = fileSystems;
        this.progress = progress;
    }

    /** Returns the resource in its final state (null when deleted); throws CliException on failure or timeout. */
    LustreFileSystem await(String name, Goal goal, Duration timeout) {
        long start = System.nanoTime();
        AtomicReference<String> last = new AtomicReference<>("");
        AtomicReference<CliException> failure = new AtomicReference<>();
        AtomicReference<LustreFileSystem> seen = new AtomicReference<>();
        try {
            fileSystems
                    .resource(name)
                    .waitUntilCondition(
                            fs -> {
                                if (fs == null) {
                                    if (!goal.deletion()) {
                                        failure.set(new CliException(
                                                ExitCode.NOT_FOUND,
                                                "lustrefilesystem \"" + name + "\" was deleted while waiting for "
                                                        + goal.description()));
                                    } else {
                                        report(start, last, name + ": deleted");
                                    }
                                    seen.set(null);
                                    return true;
                                }
                                seen.set(fs);
                                report(start, last, Status.progressLine(fs));
                                if (Status.observedCurrentSpec(fs)
                                        && Status.rejection(fs).isPresent()) {
                                    failure.set(new CliException(
                                            ExitCode.FAILED,
                                            "the operator rejected " + name + ": "
                                                    + Status.rejection(fs).get()));
                                    return true;
                                }
                                return !goal.deletion() && goal.reached().test(fs);
                            },
                            timeout.toMillis(),
                            TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new CliException(
                    ExitCode.TIMEOUT,
                    "timed out after " + format(timeout) + " waiting for " + name + " to be " + goal.description()
                            + "; last seen: " + (last.get().isEmpty() ? "nothing" : last.get()));
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return seen.get();
    }

    private void report(long start, AtomicReference<String> last, String line) {
        if (!line.equals(last.getAndSet(line))) {
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            progress.printf("[%4ds] %s%n", seconds, line);
            progress.flush();
        }
    }

    static String format(Duration d) {
        if (d.toSeconds() % 60 != 0 || d.toMinutes() == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMinutes() + "m";
    }
}
