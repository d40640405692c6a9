package dev.lustrecsi.node;

import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.Mounter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches this node's staged Lustre volumes (found in the mount table, so a restarted plugin watches the
 * same ones) with the same checks NodeGetVolumeStats makes, and tells the pods using a volume when it
 * loses its servers and when it recovers, with Events on those pods. Only changes are reported; what was
 * last seen is kept in memory, so a restarted plugin reports a still-broken volume once more.
 */
public final class MountWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(MountWatcher.class);
    static final String REASON_UNHEALTHY = "LustreVolumeUnhealthy";
    static final String REASON_RECOVERED = "LustreVolumeRecovered";

    private final Mounter mounter;
    private final VolumeStatsReader stats;
    private final NodePaths paths;
    private final PodEvents events;
    private final Map<Path, Boolean> lastAbnormal = new HashMap<>();

    public MountWatcher(Mounter mounter, VolumeStatsReader stats, NodePaths paths, PodEvents events) {
        this.mounter = mounter;
        this.stats = stats;
        this.paths = paths;
        this.events = events;
    }

    /** One pass over every staged volume; returns each one's condition by staging path. */
    public synchronized Map<Path, VolumeHealth> checkOnce() {
        List<MountInfo> table = mounter.mounts();
        Path plugins = paths.kubeletDir().resolve("plugins");
        Map<Path, VolumeHealth> now = new HashMap<>();
        for (MountInfo m : table) {
            if (!m.mountPoint().startsWith(plugins) || m.lustreFileset().isEmpty() || now.containsKey(m.mountPoint())) {
                continue;
            }
            VolumeHealth health = stats.read(m.mountPoint(), m.lustreFileset().get());
            now.put(m.mountPoint(), health);
            Boolean before = lastAbnormal.put(m.mountPoint(), health.abnormal());
            if (health.abnormal() && !Boolean.TRUE.equals(before)) {
                LOG.warn(
                        "Lustre volume {} at {} is unhealthy: {}",
                        m.lustreFileset().get(),
                        m.mountPoint(),
                        health.message());
                tell(m, table, PodEvents.EventType.Warning, REASON_UNHEALTHY, health.message());
            } else if (!health.abnormal() && Boolean.TRUE.equals(before)) {
                LOG.info("Lustre volume {} at {} recovered", m.lustreFileset().get(), m.mountPoint());
                tell(
                        m,
                        table,
                        PodEvents.EventType.Normal,
                        REASON_RECOVERED,
                        "Lustre volume " + m.lustreFileset().get() + " answers again: " + health.message());
            }
        }
        lastAbnormal.keySet().retainAll(now.keySet());
        return now;
    }

    private void tell(
            MountInfo staged, List<MountInfo> table, PodEvents.EventType type, String reason, String message) {
        for (PublishedTargets.Target t : PublishedTargets.of(staged, table, paths)) {
            try {
                events.record(t.podUid(), type, reason, "volume " + t.volumeName() + ": " + message);
            } catch (RuntimeException e) {
                LOG.warn("cannot record event {} for pod {}: {}", reason, t.podUid(), e.toString());
            }
        }
    }
}
