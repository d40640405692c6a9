package dev.lustrecsi.lustre.mount;

import java.time.Duration;

/**
 * How long each kind of mount operation may take before the mounter stops waiting.
 *
 * @param lustreMount    a {@code mount -t lustre} (MGS contact, possibly through failover NIDs)
 * @param unmountAttempt each step of the unmount escalation (normal, forced, lazy)
 * @param syscall        a bind mount or remount
 * @param statfs         a statfs(2) of a mounted filesystem
 */
public record MountBounds(Duration lustreMount, Duration unmountAttempt, Duration syscall, Duration statfs) {

    /** Production bounds: inside kubelet's own 2-minute CSI call deadline, with room to clean up. */
    public static MountBounds defaults() {
        return new MountBounds(
                Duration.ofSeconds(75), Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5));
    }
}
