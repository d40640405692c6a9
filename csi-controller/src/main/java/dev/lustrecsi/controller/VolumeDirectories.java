package dev.lustrecsi.controller;

import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.TreeCopyCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory of a shared-pool volume on the controller's pool mount: created with its project id, quota and
 * default stripe layout, resized, and removed or archived. Every step is idempotent so a retried or resumed
 * call simply runs them all again.
 */
public final class VolumeDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeDirectories.class);
    /**
     * Archived volumes are moved here, inside the pool, out of the way of volume names (which never start with
     * '.').
     */
    public static final String ARCHIVE_DIR = ".csi-archive";

    /** Runs the lfs command of a create that can go alongside the caller's (daemon threads, idle ones expire). */
    private static final ExecutorService LFS_ALONGSIDE = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lfs-alongside");
        t.setDaemon(true);
        return t;
    });

    private final CommandRunner runner;
    private final LfsCommands lfs;
    private final Duration timeout;
    private final TreeCopyCommands copy;

    public VolumeDirectories(CommandRunner runner, LfsCommands lfs, Duration timeout) {
        this(runner, lfs, timeout, TreeCopyCommands.standard());
    }

    public VolumeDirectories(CommandRunner runner, LfsCommands lfs, Duration timeout, TreeCopyCommands copy) {
        this.runner = runner;
        this.lfs = lfs;
        this.timeout = timeout;
        this.copy = copy;
    }

    /**
     * Copies volume {@code source}'s tree into the clone {@code name}, whose directory, project id and quota
     * {@link #create} made. A copy that starts again (a retry after a failure, a restarted controller) starts over
     * from an empty directory: a partial tree left by a killed {@code cp} cannot be told from a complete one file by
     * file. The project id is set on the whole tree before any byte is copied (files made later inherit it).
     *
     * @param copyTimeout how long the copy may take at most (it is killed after)
     */
    public void copyInto(Path poolRoot, String source, String name, VolumeRecord record, Duration copyTimeout) {
        Path from = volumeDir(poolRoot, source);
        Path dir = volumeDir(poolRoot, name);
        if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("the source directory " + from + " is missing");
        }
        emptyDirectory(dir);
        runner.runChecked(lfs.setProjectRecursively(record.projectId(), dir.toString()), timeout);
        runner.runChecked(copy.copyTree(from.toString(), dir.toString()), copyTimeout);
    }

    /**
     * Removes a clone whose copy failed: its tree whatever it holds (never archived: it is no one's data) and
     * quota.
     */
    public void discard(Path poolRoot, String name, long projectId) {
        deleteTree(volumeDir(poolRoot, name));
        runner.runChecked(lfs.clearProjectQuota(projectId, poolRoot.toString()), timeout);
    }

    private static void emptyDirectory(Path dir) {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(entry);
                } else {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir + " before a copy", e);
        }
    }

    /** mkdir, mode, {@code lfs project -p -s} alongside {@code lfs setquota -p -B}, then {@code lfs setstripe}. */
    public Path create(Path poolRoot, String name, VolumeRecord record) {
        Path dir = volumeDir(poolRoot, name);
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
            }
            Files.setPosixFilePermissions(dir, permissions(record.directoryMode()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create volume directory " + dir, e);
        }
        // The project id (on the directory) and the quota (on the id, at the quota master) do not depend on each
        // other: both run at once, so a create waits for one lfs run less. Both are idempotent; if either fails the
        // call fails after both ended, and the retry runs both again.
        CompletableFuture<Void> quota = CompletableFuture.runAsync(
                () -> setQuota(poolRoot, record.projectId(), record.capacityBytes()), LFS_ALONGSIDE);
        RuntimeException failed = null;
        try {
            runner.runChecked(lfs.setProject(record.projectId(), dir.toString()), timeout);
        } catch (RuntimeException e) {
            failed = e;
        }
        try {
            quota.join();
        } catch (CompletionException e) {
            RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
            if (failed == null) {
                failed = cause;
            } else {
                failed.addSuppressed(cause);
            }
        }
        if (failed != null) {
            throw failed;
        }
        if (record.stripeCount() != 0 || record.stripeSize() != 0) {
            runner.runChecked(lfs.setDefaultStripe(record.stripeCount(), record.stripeSize(), dir.toString()), timeout);
        }
        return dir;
    }

    public void setQuota(Path poolRoot, long projectId, long bytes) {
        runner.runChecked(lfs.setProjectBlockLimit(projectId, bytes, poolRoot.toString()), timeout);
    }

    public boolean exists(Path poolRoot, String name) {
        return Files.isDirectory(volumeDir(poolRoot, name), LinkOption.NOFOLLOW_LINKS);
    }

    /** The pool's top-level entries with their project ids ({@code lfs project}, not recursive). */
    public List<LfsCommands.ProjectEntry> projects(Path poolRoot) {
        return LfsCommands.parseProjects(runner.runChecked(lfs.listProjects(poolRoot.toString()), timeout)
                .stdout());
    }

    /**
     * Whether anything on the pool is accounted to the project ({@code lfs quota -p}: files or blocks in use), in one
     * quota lookup whatever the number of volumes; a project with only a limit left over is free.
     */
    public boolean projectInUse(Path poolRoot, long projectId) {
        String mount = poolRoot.toString();
        String out =
                runner.runChecked(lfs.projectQuota(projectId, mount), timeout).stdout();
        LfsCommands.ProjectQuota quota = LfsCommands.parseProjectQuota(out, mount)
                .orElseThrow(() -> new IllegalStateException(
                        "cannot read the quota of project " + projectId + " on " + mount + " from: " + out));
        return quota.files() > 0 || quota.usedBytes() > 0;
    }

    /**
     * Reclaims the volume: removes the tree, or (archive) clears its project id so the id can be reused and moves
     * it under {@value #ARCHIVE_DIR}; then drops the project's quota. Returns where an archive went, if any.
     */
    public Path reclaim(Path poolRoot, String name, VolumeRecord record) {
        Path dir = volumeDir(poolRoot, name);
        Path archived = null;
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (record.archiveOnDelete()) {
                // Clear first, then move: a restart in between finds the directory still in place and repeats both.
                runner.runChecked(lfs.clearProjectRecursively(dir.toString()), timeout);
                archived = archiveTarget(poolRoot, name, record.projectId());
                try {
                    Files.createDirectories(archived.getParent());
                    Files.move(dir, archived);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot archive " + dir + " to " + archived, e);
                }
                LOG.info("archived volume {} to {}", name, archived);
            } else {
                deleteTree(dir);
                LOG.info("deleted volume directory {}", dir);
            }
        }
        runner.runChecked(lfs.clearProjectQuota(record.projectId(), poolRoot.toString()), timeout);
        return archived;
    }

    private static Path archiveTarget(Path poolRoot, String name, long projectId) {
        Path base = poolRoot.resolve(ARCHIVE_DIR).resolve(name + "-" + projectId);
        Path candidate = base;
        for (int n = 1; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); n++) {
            candidate = base.resolveSibling(base.getFileName() + "." + n);
        }
        return candidate;
    }

    static Path volumeDir(Path poolRoot, String name) {
        Path dir = poolRoot.resolve(name).normalize();
        if (!dir.getParent().equals(poolRoot.normalize()) || name.startsWith(".")) {
            throw new IllegalArgumentException("volume name '" + name + "' is not a plain directory name");
        }
        return dir;
    }

    /** Removes a tree without following symbolic links (a user's link must never make us delete outside it). */
    private static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException failure) throws IOException {
                    if (failure != null && !(failure instanceof NoSuchFileException)) {
                        throw failure;
                    }
                    try {
                        Files.deleteIfExists(d);
                    } catch (DirectoryNotEmptyException e) {
                        throw new IOException(
                                "cannot delete " + d + ": something wrote into it while it was deleted", e);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // Deleted by an earlier attempt.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete volume directory " + dir, e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(order[bit]);
            }
        }
        return perms;
    }
}
