package dev.lustrecsi.lustre.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.testing.HungUnmounts;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real mounter against the kernel, with the stand-in mount.lustre, in a private mount namespace. */
class LinuxMounterTest {
    private static final MgsNids MGS = MgsNids.parse("10.1.0.1@tcp:10.1.0.2@tcp");
    private static final MountBounds SHORT =
            new MountBounds(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1));

    @TempDir
    Path dir;

    private LustreStandIns standIns;
    private LinuxMounter mounter;

    @BeforeEach
    void setUp() {
        standIns = LustreStandIns.install();
        standIns.reset();
        mounter = new LinuxMounter(
                new ProcessCommandRunner(), new MountCommands(standIns.toolPaths()), new MountTable(), SHORT);
    }

    @AfterEach
    void cleanUp() throws Exception {
        standIns.releaseHungServers();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                mounter.unmount(p);
            }
        }
    }

    private Path mkdir(String name) throws Exception {
        return Files.createDirectories(dir.resolve(name));
    }

    /** A new directory {@code name} with the stand-in filesystem {@code fsName} mounted on it. */
    private Path mountedFilesystem(String name, String fsName) throws Exception {
        Path mountPoint = mkdir(name);
        mounter.mountLustre(LustreSource.wholeFilesystem(MGS, new FsName(fsName)), mountPoint, List.of());
        return mountPoint;
    }

    /** A new directory {@code name} with two bind mounts of {@code source} stacked on it, the upper one as asked. */
    private Path stackedBinds(Path source, String name, boolean upperReadOnly) throws Exception {
        Path target = mkdir(name);
        mounter.bindMount(source, target, false);
        mounter.bindMount(source, target, upperReadOnly);
        return target;
    }

    @Test
    void filesetMountsOfOneFilesystemShareData() throws Exception {
        Files.createDirectories(standIns.serverRoot("10.1.0.1@tcp", "share1").resolve("vol-a"));
        Path whole = mkdir("whole");
        Path fileset = mkdir("fileset");

        mounter.mountLustre(LustreSource.wholeFilesystem(MGS, new FsName("share1")), whole, List.of("flock"));
        mounter.mountLustre(new LustreSource(MGS, new FsName("share1"), "vol-a"), fileset, List.of());
        Files.writeString(fileset.resolve("data.txt"), "written through the fileset");

        assertThat(whole.resolve("vol-a/data.txt")).hasContent("written through the fileset");
        assertThat(mounter.mountAt(fileset))
                .get()
                .satisfies(m -> assertThat(new LustreSource(MGS, new FsName("share1"), "vol-a").isMountedAs(m))
                        .isTrue());
        assertThat(mounter.mountAt(whole).flatMap(MountInfo::lustreFileset)).contains("/share1");
        assertThat(standIns.lustreMounts())
                .anySatisfy(l -> assertThat(l)
                        .contains("source=10.1.0.1@tcp:10.1.0.2@tcp:/share1 target=" + whole)
                        .contains("flock"));
    }

    @Test
    void aMissingFilesetDirectoryFailsWithTheHelpersMessage() throws Exception {
        standIns.serverRoot("10.1.0.1@tcp", "share2");
        Path target = mkdir("t");
        assertThatThrownBy(() ->
                        mounter.mountLustre(new LustreSource(MGS, new FsName("share2"), "nope"), target, List.of()))
                .isInstanceOf(MountException.class)
                .hasMessageContaining("No such file or directory");
        assertThat(mounter.mountAt(target)).isEmpty();
    }

    @Test
    void readOnlyBindRefusesWrites() throws Exception {
        Path staged = mountedFilesystem("staged", "share3");
        Path pod = mkdir("pod");
        Files.writeString(staged.resolve("f"), "x");

        mounter.bindMount(staged, pod, true);

        assertThat(pod.resolve("f")).hasContent("x");
        assertThat(mounter.mountAt(pod)).get().extracting(MountInfo::readOnly).isEqualTo(true);
        assertThatThrownBy(() -> Files.writeString(pod.resolve("g"), "y"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
        assertThat(mounter.mountAt(staged))
                .get()
                .extracting(MountInfo::readOnly)
                .isEqualTo(false);
    }

    @Test
    void unmountRemovesStackedMountsAndIsIdempotent() throws Exception {
        Path staged = mountedFilesystem("s", "share4");
        Path target = stackedBinds(staged, "t2", false);
        assertThat(new MountTable().countAt(target)).isEqualTo(2);

        assertThat(mounter.unmount(target)).isEqualTo(UnmountOutcome.UNMOUNTED);
        assertThat(mounter.mountAt(target)).isEmpty();
        assertThat(mounter.unmount(target)).isEqualTo(UnmountOutcome.NOT_MOUNTED);
        assertThat(mounter.mountAt(staged)).isPresent();
    }

    @Test
    void unmountingTheStackedMountsACallerCountedLeavesNothingAndReadsNoTable() throws Exception {
        Path staged = mountedFilesystem("s", "share5");
        Path target = stackedBinds(staged, "t3", true);
        int stacked = MountTable.countAt(new MountTable().read(), target);
        assertThat(stacked).isEqualTo(2);
        // A table that fails when read: the counted unmount must not need it.
        LinuxMounter noReads = new LinuxMounter(
                new ProcessCommandRunner(),
                new MountCommands(standIns.toolPaths()),
                new MountTable(dir.resolve("no-such-mountinfo")),
                SHORT);

        assertThat(noReads.unmountMounted(target, stacked)).isEqualTo(UnmountOutcome.UNMOUNTED);
        assertThat(mounter.mountAt(target)).isEmpty();
        assertThat(mounter.mountAt(staged)).isPresent();
    }

    @Test
    void statfsReportsTheMountedFilesystem() throws Exception {
        Path staged = mountedFilesystem("st", "share5");
        Files.write(staged.resolve("blob"), new byte[1 << 20]);

        FsUsage usage = mounter.statfs(staged);

        assertThat(usage.totalBytes()).isPositive();
        assertThat(usage.usedBytes()).isGreaterThanOrEqualTo(1 << 20);
        assertThat(usage.availableBytes()).isLessThanOrEqualTo(usage.totalBytes() - usage.usedBytes());
        assertThat(usage.totalInodes()).isPositive();
        assertThat(usage.usedInodes()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void statfsOfAPathThatIsGoneFails() {
        assertThatThrownBy(() -> mounter.statfs(dir.resolve("absent")))
                .isInstanceOf(MountException.class)
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void aHungServerBoundsStatfsAndUnmountStillFreesTheMountPoint() throws Exception {
        standIns.hangServer("hung1", true);
        Path staged = mountedFilesystem("hung", "hung1");

        assertThatThrownBy(() -> mounter.statfs(staged)).isInstanceOf(MountTimeoutException.class);
        // Polled again while the first call is still stuck in the kernel: bounded again.
        assertThatThrownBy(() -> mounter.statfs(staged)).isInstanceOf(MountTimeoutException.class);

        assertThat(mounter.unmount(staged)).isNotEqualTo(UnmountOutcome.NOT_MOUNTED);
        assertThat(mounter.mountAt(staged)).isEmpty();
    }

    @Test
    void aMountThatHangsIsKilledAtItsBoundAndLeavesNothingMounted() throws Exception {
        standIns.hangMounts(true);
        Path target = mkdir("never");
        assertThatThrownBy(() ->
                        mounter.mountLustre(LustreSource.wholeFilesystem(MGS, new FsName("share6")), target, List.of()))
                .isInstanceOf(MountTimeoutException.class);
        assertThat(mounter.mountAt(target)).isEmpty();
    }

    @Test
    void unmountEscalatesToForceThenLazyDetachWhenTheKernelDoesNotReturn() throws Exception {
        Path staged = mountedFilesystem("esc", "share7");
        HungUnmounts kernel = new HungUnmounts();
        LinuxMounter m = new LinuxMounter(
                kernel.libc(),
                new ProcessCommandRunner(),
                new MountCommands(standIns.toolPaths()),
                new MountTable(),
                new MountBounds(
                        Duration.ofSeconds(3), Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofSeconds(1)));

        assertThat(m.unmount(staged)).isEqualTo(UnmountOutcome.DETACHED);
        assertThat(mounter.mountAt(staged)).isEmpty();
        kernel.release();
        assertThat(kernel.umounts()).containsExactly("normal", "force", "lazy");
    }

    @Test
    void bindMountOfAMissingSourceFailsWithErrno() throws Exception {
        Path target = mkdir("bt");
        assertThatThrownBy(() -> mounter.bindMount(dir.resolve("missing"), target, false))
                .isInstanceOf(MountException.class)
                .hasMessageContaining("No such file or directory");
        assertThat(mounter.mountAt(target)).isEmpty();
    }
}
