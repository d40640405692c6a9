package dev.lustrecsi.lustre.mount;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.MountCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Mounter} of a Linux node: Lustre client mounts through mount(8) and Lustre's
 * {@code mount.lustre} helper (the helper does the real work: MGS lookup, NID failover, fileset),
 * bind mounts, unmounts and statfs through the C library.
 * <p>
 * Syscalls that can touch a dead Lustre server run on their own daemon threads and are waited for
 * only within their bound: a thread stuck in the kernel is abandoned (and logged), never the caller.
 * statfs calls on one path are coalesced, so a hung mount polled repeatedly pins one thread, not many.
 */
public final class LinuxMounter implements Mounter {
    private static final Logger LOG = LoggerFactory.getLogger(LinuxMounter.class);
    private static final int MAX_STACKED = 16;

    private final LibC libc;
    private final CommandRunner runner;
    private final MountCommands commands;
    private final MountTable table;
    private final MountBounds bounds;
    private final ExecutorService syscalls;
    private final Map<Path, CompletableFuture<FsUsage>> statfsInFlight = new ConcurrentHashMap<>();

    public LinuxMounter(CommandRunner runner, MountCommands commands, MountTable table, MountBounds bounds) {
        this(LibC.load(), runner, commands, table, bounds);
    }

    /** With a given C library binding: tests wrap the real one to make a syscall block like a dead server. */
    public LinuxMounter(LibC libc, CommandRunner runner, MountCommands commands, MountTable table, MountBounds bounds) {
        this.libc = libc;
        this.runner = runner;
        this.commands = commands;
        this.table = table;
        this.bounds = bounds;
        AtomicInteger n = new AtomicInteger();
        this.syscalls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "mount-syscall-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public List<MountInfo> mounts() {
        return table.read();
    }

    @Override
    public Optional<MountInfo> mountAt(Path mountPoint) {
        return table.mountAt(mountPoint);
    }

    @Override
    public void mountLustre(LustreSource source, Path target, List<String> options) {
        Path t = normalize(target);
        List<String> argv = commands.mountLustre(source.toString(), t, options);
        CommandResult result = runner.run(argv, bounds.lustreMount());
        if (result.timedOut()) {
            // The helper was killed; should the kernel have finished the mount anyway, take it away
            // again so a failed call leaves nothing behind.
            if (table.mountAt(t).isPresent()) {
                LOG.warn("mount of {} at {} timed out but appeared; unmounting it", source, t);
                unmount(t);
            }
            throw new MountTimeoutException("mount -t lustre " + source + " " + t, bounds.lustreMount());
        }
        if (!result.succeeded()) {
            throw mountFailure(source, t, result);
        }
        LOG.info(
                "mounted Lustre {} at {} (options {})",
                source,
                t,
                options.isEmpty() ? "none" : String.join(",", options));
    }

    /**
     * mount.lustre exits with the errno of the failed mount(2) and says so on stderr after "mount.lustre:"
     * (lustre/utils/mount_lustre.c; real 2.17.0 transcripts: 22 unknown option or fileset=, 2 missing fsname or
     * fileset directory, 36 fsname over 8 characters, 110 MGS not answering, 17 already mounted); mount(8) passes the
     * helper's status on. A status of mount(8) itself (no "mount.lustre:" line: e.g. 32, or 2 for "cannot resolve" a
     * mount point) is not an errno.
     */
    static MountException mountFailure(LustreSource source, Path target, CommandResult result) {
        String what = "mount -t lustre " + source + " at " + target + " failed";
        boolean fromHelper = !result.timedOut() && result.stderr().contains("mount.lustre:");
        if (!fromHelper) {
            return new MountException(what + ": " + result.describe());
        }
        int errno = result.exitCode();
        MountException.Kind kind = MountException.kindOf(errno);
        String hint = switch (kind) {
            case INVALID_REQUEST ->
                "the MGS NIDs, filesystem name (at most 8 characters) or mount options are not "
                        + "valid for Lustre; check the volume's mgsNids/fsName and the StorageClass mountOptions";
            case NOT_FOUND ->
                "the MGS knows no filesystem " + source.fsName().value()
                        + (source.subdir().isEmpty()
                                ? ""
                                : ", or its directory /" + source.subdir() + " does not exist");
            case SERVERS_UNREACHABLE ->
                "the MGS " + source.mgsNids() + " does not answer; check that its servers "
                        + "are up and that this node's LNet reaches them (lnetctl ping)";
            case BUSY -> "the mount point is in use";
            case ALREADY_MOUNTED -> "it is already mounted there";
            case OTHER -> "errno " + errno;
        };
        return new MountException(
                what + ": " + hint + " (" + result.describe() + ")", kind, java.util.OptionalInt.of(errno));
    }

    @Override
    public void bindMount(Path source, Path target, boolean readOnly) {
        Path s = normalize(source);
        Path t = normalize(target);
        Attempt bind = attempt(
                "bind mount " + s + " -> " + t,
                bounds.syscall(),
                () -> libc().mount(s.toString(), t.toString(), null, LibC.MS_BIND, null));
        if (!bind.ok()) {
            throw bind.failure();
        }
        if (readOnly) {
            // A bind mount takes the source's flags; read-only needs a second, remount call.
            Attempt ro = attempt(
                    "read-only remount of " + t,
                    bounds.syscall(),
                    () -> libc().mount(
                                    null, t.toString(), null, LibC.MS_REMOUNT | LibC.MS_BIND | LibC.MS_RDONLY, null));
            if (!ro.ok()) {
                attempt("detach of " + t, bounds.syscall(), () -> libc().umount2(t.toString(), LibC.MNT_DETACH));
                throw ro.failure();
            }
        }
        LOG.info("bind-mounted {} at {}{}", s, t, readOnly ? " read-only" : "");
    }

    @Override
    public UnmountOutcome unmount(Path target) {
        Path t = normalize(target);
        if (table.mountAt(t).isEmpty()) {
            return UnmountOutcome.NOT_MOUNTED;
        }
        return unmountMounted(t);
    }

    /**
     * One mount-table read per unmount, after it (is anything still stacked there?), instead of one before and
     * one after each: the caller's own read said something is mounted.
     */
    @Override
    public UnmountOutcome unmountMounted(Path target) {
        Path t = normalize(target);
        UnmountOutcome outcome = UnmountOutcome.NOT_MOUNTED;
        for (int i = 0; i < MAX_STACKED; i++) {
            UnmountOutcome step = unmountTopmost(t);
            if (step.compareTo(outcome) > 0) {
                outcome = step;
            }
            // NOT_MOUNTED was read from the table just now (umount2 said EINVAL and nothing is there).
            if (step == UnmountOutcome.NOT_MOUNTED || table.mountAt(t).isEmpty()) {
                return outcome;
            }
        }
        throw new MountException(t + " is still mounted after " + MAX_STACKED + " unmounts");
    }

    @Override
    public UnmountOutcome unmountMounted(Path target, int stacked) {
        if (stacked > MAX_STACKED) {
            return unmountMounted(target);
        }
        Path t = normalize(target);
        UnmountOutcome outcome = UnmountOutcome.NOT_MOUNTED;
        for (int i = 0; i < stacked; i++) {
            UnmountOutcome step = unmountTopmost(t);
            if (step == UnmountOutcome.NOT_MOUNTED) {
                break;
            }
            if (step.compareTo(outcome) > 0) {
                outcome = step;
            }
        }
        return outcome;
    }

    private UnmountOutcome unmountTopmost(Path t) {
        Attempt normal = attempt("unmount of " + t, bounds.unmountAttempt(), () -> libc().umount2(t.toString(), 0));
        if (normal.ok()) {
            LOG.info("unmounted {}", t);
            return UnmountOutcome.UNMOUNTED;
        }
        // Not a mount point (EINVAL) or gone (ENOENT): someone else unmounted it since the caller looked.
        if ((normal.errno() == LibC.EINVAL || normal.errno() == LibC.ENOENT)
                && table.mountAt(t).isEmpty()) {
            return UnmountOutcome.NOT_MOUNTED;
        }
        LOG.warn("{}; retrying with MNT_FORCE (aborts requests to unresponsive servers)", normal.describe());
        Attempt forced = attempt(
                "forced unmount of " + t, bounds.unmountAttempt(), () -> libc().umount2(t.toString(), LibC.MNT_FORCE));
        if (forced.ok()) {
            LOG.warn("unmounted {} with MNT_FORCE", t);
            return UnmountOutcome.FORCED;
        }
        LOG.warn("{}; detaching lazily (MNT_DETACH)", forced.describe());
        Attempt lazy = attempt(
                "lazy detach of " + t, bounds.unmountAttempt(), () -> libc().umount2(t.toString(), LibC.MNT_DETACH));
        if (lazy.ok()) {
            LOG.warn(
                    "LAZY UNMOUNT: {} detached from the mount namespace after a normal and a forced unmount "
                            + "failed; the kernel tears the mount down once its servers and users let go",
                    t);
            return UnmountOutcome.DETACHED;
        }
        throw lazy.failure();
    }

    @Override
    public FsUsage statfs(Path path) {
        Path p = normalize(path);
        CompletableFuture<FsUsage> call = statfsInFlight.computeIfAbsent(p, key -> {
            CompletableFuture<FsUsage> f = CompletableFuture.supplyAsync(() -> statfsNow(key), syscalls);
            f.whenComplete((r, e) -> statfsInFlight.remove(key, f));
            return f;
        });
        try {
            return call.get(bounds.statfs().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn(
                    "statfs of {} did not answer within {} ms; its thread stays blocked in the kernel",
                    p,
                    bounds.statfs().toMillis());
            throw new MountTimeoutException("statfs of " + p, bounds.statfs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MountException("interrupted during statfs of " + p, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MountException me) {
                throw me;
            }
            throw new MountException("statfs of " + p + " failed: " + e.getCause(), e.getCause());
        }
    }

    private FsUsage statfsNow(Path p) {
        LibC.StatFs buf = new LibC.StatFs(jnr.ffi.Runtime.getSystemRuntime());
        if (libc.statfs(p.toString(), buf) != 0) {
            int errno = LibC.lastErrno();
            throw new MountException("statfs of " + p + " failed: " + Errno.describe(errno));
        }
        long bsize = buf.fragmentSize.get() > 0 ? buf.fragmentSize.get() : buf.blockSize.get();
        return new FsUsage(
                buf.blocks.get() * bsize,
                buf.blocksFree.get() * bsize,
                buf.blocksAvailable.get() * bsize,
                buf.files.get(),
                buf.filesFree.get());
    }

    private LibC libc() {
        return libc;
    }

    private static Path normalize(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /** One bounded syscall: returns 0 or -1 with errno captured on the thread that made it. */
    private Attempt attempt(String what, Duration bound, Supplier<Integer> call) {
        CompletableFuture<int[]> f = CompletableFuture.supplyAsync(
                () -> {
                    int rc = call.get();
                    return new int[] {rc, rc == 0 ? 0 : LibC.lastErrno()};
                },
                syscalls);
        try {
            int[] r = f.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return new Attempt(what, r[0] == 0, r[1], false, bound);
        } catch (TimeoutException e) {
            return new Attempt(what, false, 0, true, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(what, false, 0, true, bound);
        } catch (ExecutionException e) {
            throw new MountException(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    private record Attempt(String what, boolean ok, int errno, boolean timedOut, Duration bound) {
        String describe() {
            if (timedOut) {
                return what + " did not return within " + bound.toMillis() + " ms";
            }
            return what + " failed: " + Errno.describe(errno);
        }

        MountException failure() {
            return timedOut
                    ? new MountTimeoutException(what, bound)
                    : new MountException(describe(), MountException.kindOf(errno), java.util.OptionalInt.of(errno));
        }
    }
}
