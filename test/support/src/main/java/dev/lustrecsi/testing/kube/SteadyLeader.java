package dev.lustrecsi.testing.kube;

import java.time.Duration;
import java.util.Collection;
import java.util.function.Predicate;

/** For leader-election tests: which of several replicas leads once leadership has stopped changing hands. */
public final class SteadyLeader {
    private SteadyLeader() {}

    /**
     * The replica that has led, with no change of leader, for longer than {@code steadyFor} (tests pass the renew
     * deadline: a leader that lasts that long renewed at least once); an {@link AssertionError} when none did
     * within {@code within}. {@code replicas} is read anew at every poll, so it may be a list the test adds to.
     */
    public static <R> R await(Collection<R> replicas, Predicate<R> leading, Duration steadyFor, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        R leader = null;
        long since = 0;
        while (System.nanoTime() < deadline) {
            R now = replicas.stream().filter(leading).findFirst().orElse(null);
            if (now != leader) {
                leader = now;
                since = System.nanoTime();
            } else if (leader != null && System.nanoTime() - since > steadyFor.toNanos()) {
                return leader;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no replica led steadily within " + within.toSeconds() + " s");
    }
}
