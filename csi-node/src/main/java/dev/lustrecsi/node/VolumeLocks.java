package dev.lustrecsi.node;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One operation at a time per volume on this node, so duplicate or concurrent calls (kubelet retries,
 * several pods starting at once) see each other's finished mounts instead of racing to mount twice.
 * A call that cannot get the lock within the bound is answered ABORTED, as CSI prescribes for an
 * operation already pending on the volume; the CO retries.
 */
final class VolumeLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Duration wait;

    VolumeLocks(Duration wait) {
        this.wait = wait;
    }

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held lock(String volumeId) {
        ReentrantLock lock = locks.computeIfAbsent(volumeId, k -> new ReentrantLock());
        try {
            if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw Status.ABORTED.withDescription("an operation on volume " + volumeId + " is still in progress")
                        .asRuntimeException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.ABORTED.withDescription("interrupted waiting for volume " + volumeId).asRuntimeException();
        }
        return lock::unlock;
    }
}
