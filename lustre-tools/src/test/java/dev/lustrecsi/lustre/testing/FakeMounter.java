package dev.lustrecsi.lustre.testing;

import dev.lustrecsi.lustre.mount.FsUsage;
import dev.lustrecsi.lustre.mount.LustreSource;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.Mounter;
import dev.lustrecsi.lustre.mount.UnmountOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Mounter} with an in-memory mount table, like csi-driver-nfs's {@code fake_mounter.go}: for tests of what
 * a caller asks for (validation, idempotency, which calls it makes) without root or a mount namespace. It keeps the
 * rows the kernel would show in {@code /proc/self/mountinfo} for the same calls: a Lustre mount's source is
 * {@code <nids>:/<fsname>[/<subdir>]} with root {@code /}; a bind mount keeps the source of the mount it was made
 * from, names the directory inside it as its root, and is {@code ro} when asked. Every call is logged
 * ({@link #calls()}); {@link #failMounts(String)} makes mounts fail as mount.lustre does when a server refuses.
 * What it cannot show - the mount helper's syntax, the kernel's rules - is the namespace tests' job
 * ({@code LinuxMounter}-based, under {@link MountNamespace}).
 *
 * @see dev.lustrecsi.lustre.mount.LinuxMounter
 */
public final class FakeMounter implements Mounter {
    private final List<MountInfo> table = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger(100);
    private String mountFailure;

    @Override
    public synchronized List<MountInfo> mounts() {
        return List.copyOf(table);
    }

    @Override
    public synchronized Optional<MountInfo> mountAt(Path mountPoint) {
        // The topmost mount at the path is the last one made there.
        for (int i = table.size() - 1; i >= 0; i--) {
            if (table.get(i).mountPoint().equals(mountPoint)) {
                return Optional.of(table.get(i));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void mountLustre(LustreSource source, Path target, List<String> options) {
        calls.add("mount -t lustre " + (options.isEmpty() ? "" : "-o " + String.join(",", options) + " ") + source + " "
                + target);
        if (mountFailure != null) {
            throw new MountException(mountFailure);
        }
        boolean ro = options.contains("ro");
        table.add(row(target, "/", ro, "lustre", source.toString(), String.join(",", options)));
    }

    @Override
    public synchronized void bindMount(Path source, Path target, boolean readOnly) {
        calls.add("bind " + source + " " + target + (readOnly ? " ro" : ""));
        MountInfo under = table.stream()
                .filter(m -> source.startsWith(m.mountPoint()))
                .reduce((a, b) ->
                        b.mountPoint().getNameCount() >= a.mountPoint().getNameCount() ? b : a)
                .orElseThrow(() -> new MountException("fake mounter: nothing mounted at or above " + source));
        Path inside = under.mountPoint().relativize(source);
        String root = under.root().equals("/") ? "/" + inside : under.root() + "/" + inside;
        table.add(row(
                target,
                root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root,
                readOnly,
                under.fsType(),
                under.source(),
                under.superOptions()));
    }

    @Override
    public synchronized UnmountOutcome unmount(Path target) {
        calls.add("umount " + target);
        boolean any = table.removeIf(m -> m.mountPoint().equals(target));
        return any ? UnmountOutcome.UNMOUNTED : UnmountOutcome.NOT_MOUNTED;
    }

    @Override
    public synchronized FsUsage statfs(Path path) {
        return new FsUsage(1L << 30, 1L << 29, 1L << 29, 1000, 500);
    }

    /** Every mount and unmount asked for, in order, as a short command line. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** From now on Lustre mounts fail with this message ({@code null}: they succeed again). */
    public synchronized void failMounts(String message) {
        this.mountFailure = message;
    }

    private MountInfo row(Path target, String root, boolean readOnly, String fsType, String source, String superOpts) {
        int id = ids.incrementAndGet();
        return new MountInfo(
                id, 1, "0:" + id, root, target, readOnly ? "ro" : "rw", List.of(), fsType, source, superOpts);
    }
}
