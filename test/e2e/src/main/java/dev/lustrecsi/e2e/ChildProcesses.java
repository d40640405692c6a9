package dev.lustrecsi.e2e;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Ending the harness's child processes (plugins, sidecars) the way kubelet ends a container. */
final class ChildProcesses {
    /** How long a process gets after the final SIGKILL. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(10);

    private ChildProcesses() {}

    /**
     * Sends SIGKILL ({@code force}) or SIGTERM and waits for the exit; SIGKILL follows when it has not exited within
     * {@code grace}. An interrupt ends the wait with SIGKILL (interrupt flag kept).
     */
    static void end(Process process, boolean force, Duration grace) {
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
