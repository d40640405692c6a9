package dev.lustrecsi.testing.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.util.concurrent.CountDownLatch;

/**
 * A leader-election lock (usually fabric8's {@code LeaseLock}) with a fault switch in front of its API calls: one
 * replica's connection to the API server, which a test cuts ({@link Fault#REFUSE}: the process is gone or
 * partitioned) or stalls ({@link Fault#HANG}: requests never come back until {@link #release()}). The failures are
 * the exceptions fabric8 itself throws for those cases, so the elector under test sees what it would in production.
 */
public final class FaultyLock implements Lock {
    /** What the replica's Lease calls do. */
    public enum Fault {
        /** They reach the API server. */
        NONE,
        /** They fail at once, as when the connection is refused. */
        REFUSE,
        /** They block until {@link #release()}, then fail as a timed-out request (at once after it). */
        HANG
    }

    private final Lock delegate;
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Fault fault = Fault.NONE;

    public FaultyLock(Lock delegate) {
        this.delegate = delegate;
    }

    /** From now on the Lease calls behave as {@code fault} says. */
    public void set(Fault fault) {
        this.fault = fault;
    }

    /** Cuts the replica off ({@code true}: {@link Fault#REFUSE}) or reconnects it ({@code false}). */
    public void cutOff(boolean cut) {
        set(cut ? Fault.REFUSE : Fault.NONE);
    }

    /** Lets every call hung by {@link Fault#HANG} return (with its timeout error). */
    public void release() {
        release.countDown();
    }

    private void check() {
        switch (fault) {
            case REFUSE -> throw new KubernetesClientException("connection refused (test fault)");
            case HANG -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new KubernetesClientException("request timed out (test fault)");
            }
            default -> {}
        }
    }

    @Override
    public LeaderElectionRecord get(KubernetesClient client) {
        check();
        return delegate.get(client);
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
        check();
        delegate.create(client, record);
    }

    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
        check();
        delegate.update(client, record);
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
