package dev.lustrecsi.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the controller's threads spend wall time during a call: every few milliseconds the stacks of the threads
 * inside {@code frameOfInterest} (e.g. {@code SharedPoolVolumes.create}) are sampled and each sample is counted
 * under what the thread is doing then: waiting on the API server, on an {@code lfs} child process, on a lock or a
 * monitor, on the watch, or running. A CPU profiler would miss the waiting, which is most of a create's time.
 * Bench-only: sampling stacks stops every thread briefly, so figures taken while it runs are not the headline ones.
 */
final class WallClockProfile implements AutoCloseable {
    private final String frameOfInterest;
    private final Map<String, Long> counts = new HashMap<>();
    private final AtomicLong samples = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    WallClockProfile(String frameOfInterest, long intervalMillis) {
        this.frameOfInterest = frameOfInterest;
        sampler = new Thread(
                () -> {
                    while (running) {
                        sample();
                        try {
                            Thread.sleep(intervalMillis);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "wall-clock-profile");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        for (Map.Entry<Thread, StackTraceElement[]> e :
                Thread.getAllStackTraces().entrySet()) {
            StackTraceElement[] stack = e.getValue();
            if (!contains(stack, frameOfInterest)) {
                continue;
            }
            String what = classify(e.getKey().getState(), stack);
            synchronized (counts) {
                counts.merge(what, 1L, Long::sum);
            }
            samples.incrementAndGet();
        }
    }

    private static boolean contains(StackTraceElement[] stack, String frame) {
        for (StackTraceElement f : stack) {
            if ((f.getClassName() + "." + f.getMethodName()).endsWith(frame)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The innermost driver frame (other than the command runner) says which step; the frames inside it say whether
     * it waits and on what.
     */
    static String classify(Thread.State state, StackTraceElement[] stack) {
        String step = "?";
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith("dev.lustrecsi.")
                    && !f.getClassName().endsWith("CommandRunner")) {
                String cls = f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1);
                step = cls + "." + f.getMethodName();
                break;
            }
        }
        String kind = "running";
        for (StackTraceElement f : stack) {
            String c = f.getClassName();
            if (c.startsWith("dev.lustrecsi.")) {
                break;
            }
            if (c.startsWith("io.fabric8") || c.startsWith("okhttp3") || c.startsWith("java.net.http")) {
                kind = "API server call";
                break;
            }
            if (c.startsWith("java.lang.Process") || c.startsWith("java.lang.ProcessImpl")) {
                kind = "lfs child process";
                break;
            }
        }
        if (kind.equals("running") && state == Thread.State.BLOCKED) {
            kind = "blocked on a monitor";
        } else if (kind.equals("running") && (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)) {
            kind = "waiting";
        }
        return kind + " @ " + step;
    }

    /** The shares of wall time, largest first, as lines {@code "  41.2%  lfs child process @ ..."}. */
    List<String> report(int top) {
        Map<String, Long> copy;
        synchronized (counts) {
            copy = new HashMap<>(counts);
        }
        long total = Math.max(1, samples.get());
        return copy.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .map(e -> String.format("%6.1f%%  %s", 100.0 * e.getValue() / total, e.getKey()))
                .toList();
    }

    long samples() {
        return samples.get();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
