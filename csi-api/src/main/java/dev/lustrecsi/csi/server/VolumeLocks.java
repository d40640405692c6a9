package dev.lustrecsi.csi.server;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One operation at a time per volume in this process (controller and node plugin alike), so duplicate or
 * concurrent calls (CO retries, several pods starting at once) see each other's finished work instead of racing.
 * A call that cannot get the lock within the bound is answered ABORTED, as CSI prescribes for an operation
 * already pending on the volume; the CO retries. Locks are kept (a few dozen bytes per volume ever seen) because
 * removing one safely would need a second lock.
 */
public final class VolumeLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Duration wait;

    public VolumeLocks(Duration wait) {
        this.wait = wait;
    }

    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits up to the bound for the volume's lock; ABORTED if another operation still holds it. */
    public Held lock(String volume) {
        ReentrantLock lock = locks.computeIfAbsent(volume, k -> new ReentrantLock());
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw Status.ABORTED
                        .withDescription(
                                "an operation on volume " + GrpcErrors.quote(volume, 300) + " is still in progress")
                        .asRuntimeException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.ABORTED
                    .withDescription("interrupted waiting for volume " + GrpcErrors.quote(volume, 300))
                    .asRuntimeException();
        }
        return lock::unlock;
    }

    /** Runs {@code body} holding the volume's lock. */
    public <T> T with(String volume, Supplier<T> body) {
        try (Held held = lock(volume)) {
            return body.get();
        }
    }
}
