package dev.lustrecsi.controller;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.mount.LustreSource;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.Mounter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client mounts of shared pools held by the controller, at {@code <root>/<namespace>/<pool>}, through which it
 * creates, sizes and removes volume directories (the pattern csi-driver-nfs uses for subdirectory volumes).
 * The mount table is the state: a restarted controller finds its mounts there and reuses them; a mount of the
 * wrong fileset (for instance after the pool's MGS moved) is replaced.
 */
public final class PoolMounts {
    private static final Logger LOG = LoggerFactory.getLogger(PoolMounts.class);

    private final Mounter mounter;
    private final Path root;
    private final ConcurrentHashMap<Path, Object> locks = new ConcurrentHashMap<>();

    public PoolMounts(Mounter mounter, Path root) {
        this.mounter = mounter;
        this.root = root.toAbsolutePath().normalize();
    }

    public Path mountPoint(String namespace, String pool) {
        return root.resolve(namespace).resolve(pool);
    }

    /** Mounts the pool's whole filesystem unless it already is; returns the mount point. */
    public Path ensureMounted(String namespace, String pool, MgsNids nids, FsName fsName) {
        Path target = mountPoint(namespace, pool);
        LustreSource source = LustreSource.wholeFilesystem(nids, fsName);
        synchronized (locks.computeIfAbsent(target, t -> new Object())) {
            Optional<MountInfo> existing = mounter.mountAt(target);
            if (existing.isPresent()) {
                // Fileset and MGS NIDs: a mount from NIDs the MGS no longer has is stale.
                if (source.isMountedFrom(existing.get())) {
                    return target;
                }
                LOG.warn(
                        "{} holds {} instead of {}; remounting",
                        target,
                        existing.get().source(),
                        source);
                mounter.unmount(target);
            }
            try {
                Files.createDirectories(target);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create pool mount point " + target, e);
            }
            LOG.info("mounting pool {}/{} ({}) at {}", namespace, pool, source, target);
            mounter.mountLustre(source, target, java.util.List.of());
            return target;
        }
    }

    /** The mount point if the pool is mounted now (of any fileset), without mounting it. */
    public Optional<Path> mounted(String namespace, String pool) {
        Path target = mountPoint(namespace, pool);
        return mounter.mountAt(target).map(m -> target);
    }

    public void unmount(String namespace, String pool) {
        Path target = mountPoint(namespace, pool);
        synchronized (locks.computeIfAbsent(target, t -> new Object())) {
            if (mounter.mountAt(target).isPresent()) {
                mounter.unmount(target);
            }
        }
    }
}
