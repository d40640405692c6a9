package dev.lustrecsi.lustre.mount;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Mounts and unmounts on this node, with the mount table as the only state. Every operation has a
 * time bound, so a Lustre server that stopped answering cannot hang the caller. Implementations are
 * safe for concurrent use; callers serialize operations on one path themselves when they need
 * check-then-act atomicity.
 */
public interface Mounter {

    /** The mount table of this process's mount namespace, freshly read. */
    List<MountInfo> mounts();

    /** The topmost mount at exactly this path, if any. */
    Optional<MountInfo> mountAt(Path mountPoint);

    /**
     * {@code mount -t lustre -o <options> <source> <target>} through mount(8) and Lustre's helper.
     * The target directory must exist.
     *
     * @throws MountTimeoutException when the mount did not finish in time (it is then killed)
     * @throws MountException        when the mount failed, with the tool's message
     */
    void mountLustre(LustreSource source, Path target, List<String> options);

    /** Bind-mounts {@code source} onto {@code target}, then makes the bind read-only when asked. */
    void bindMount(Path source, Path target, boolean readOnly);

    /**
     * Unmounts whatever is mounted at {@code target} (all of it, should mounts be stacked there):
     * a normal unmount first; if it fails or does not return in time, a forced one; then a lazy
     * detach. Logs which it took.
     */
    UnmountOutcome unmount(Path target);

    /**
     * {@link #unmount} for a caller that has just read the mount table and found {@code target} mounted: it
     * does not read the table again before the first unmount, only afterwards, to find mounts stacked below.
     */
    default UnmountOutcome unmountMounted(Path target) {
        return unmount(target);
    }

    /**
     * {@link #unmountMounted(Path)} for a caller whose own read of the mount table found {@code stacked} mounts at
     * {@code target}: it unmounts that many and reads the table again only when an unmount says nothing was there
     * (someone else unmounted meanwhile), so a whole unmount costs the caller's one read (issue 15).
     */
    default UnmountOutcome unmountMounted(Path target, int stacked) {
        return unmountMounted(target);
    }

    /**
     * statfs(2) of a path, bounded: a server that does not answer gives {@link MountTimeoutException}
     * rather than a blocked caller.
     */
    FsUsage statfs(Path path);
}
