package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.testing.RecordedOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LfsCommandsTest {
    private final LfsCommands lfs = new LfsCommands(ToolPaths.standard());

    @Test
    void projectAndQuotaCommandLinesFollowTheManual() {
        assertThat(lfs.setProject(1001, "/pool/pvc-1"))
                .containsExactly("lfs", "project", "-p", "1001", "-s", "/pool/pvc-1");
        assertThat(lfs.clearProjectRecursively("/pool/x")).containsExactly("lfs", "project", "-C", "-r", "/pool/x");
        assertThat(lfs.setProjectRecursively(1002, "/pool/clone"))
                .containsExactly("lfs", "project", "-p", "1002", "-s", "-r", "/pool/clone");
        assertThat(lfs.listProjects("/pool")).containsExactly("lfs", "project", "/pool");
        // Limits in KiB, rounded up: a volume never gets less than it asked for.
        assertThat(lfs.setProjectBlockLimit(7, 1_073_741_824L, "/pool"))
                .containsExactly("lfs", "setquota", "-p", "7", "-b", "0", "-B", "1048576", "/pool");
        assertThat(lfs.setProjectBlockLimit(7, 1025, "/pool")).contains("2");
        assertThat(lfs.clearProjectQuota(7, "/pool"))
                .containsExactly("lfs", "setquota", "-p", "7", "-b", "0", "-B", "0", "-i", "0", "-I", "0", "/pool");
        assertThat(lfs.projectQuota(7, "/pool")).containsExactly("lfs", "quota", "-q", "-p", "7", "/pool");
    }

    @Test
    void stripeCommandLineAndValidation() {
        assertThat(lfs.setDefaultStripe(4, 4L << 20, "/pool/v"))
                .containsExactly("lfs", "setstripe", "-c", "4", "-S", "4194304", "/pool/v");
        assertThat(lfs.setDefaultStripe(-1, 0, "/pool/v")).containsExactly("lfs", "setstripe", "-c", "-1", "/pool/v");
        assertThatThrownBy(() -> lfs.setDefaultStripe(2, 1000, "/p")).hasMessageContaining("64KiB");
        assertThatThrownBy(() -> lfs.setDefaultStripe(-2, 0, "/p")).hasMessageContaining("stripe count");
        assertThatThrownBy(() -> lfs.setDefaultStripe(1, 8L << 30, "/p")).hasMessageContaining("stripe size");
    }

    @Test
    void refusesIdsAndPathsTheToolWouldMisread() {
        assertThatThrownBy(() -> lfs.setProject(0, "/p")).hasMessageContaining("project id");
        assertThatThrownBy(() -> lfs.setProject(4294967295L, "/p")).hasMessageContaining("project id");
        assertThatThrownBy(() -> lfs.setProject(5, "relative")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> lfs.setProject(5, "-rf")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> lfs.setProjectBlockLimit(5, -1, "/p")).hasMessageContaining(">= 0");
    }

    @Test
    void parsesQuotaWithShortAndLongMountPointsAndOverLimitMarks() {
        String shortMount = "    /mnt/lustre     512       0 1048576       -       3       0       0       -\n";
        assertThat(LfsCommands.parseProjectQuota(shortMount, "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(512 * 1024L, 0, 1048576 * 1024L, 3));
        String longMount =
                "/var/lib/lustre-csi/pools/ns/pool\n                2048*      0    1024       -      10       0       0       -\n";
        assertThat(LfsCommands.parseProjectQuota(longMount, "/var/lib/lustre-csi/pools/ns/pool"))
                .contains(new LfsCommands.ProjectQuota(2048 * 1024L, 0, 1024 * 1024L, 10));
        assertThat(LfsCommands.parseProjectQuota("garbage", "/mnt/lustre")).isEmpty();
    }

    @Test
    void parsesTheRealQuotaOutputOf217IncludingOverLimitMarksOnBothColumns() {
        // 103: blocks over the hard limit: "104488*" and the files column marked too ("6*").
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("103").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(104488 * 1024L, 0, 102400 * 1024L, 6));
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("106").stdout(), "/mnt/lustre/csi-vol-1000"))
                .contains(new LfsCommands.ProjectQuota(104488 * 1024L, 0, 102400 * 1024L, 6));
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("110").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(124972 * 1024L, 0, 102400 * 1024L, 7));
        // 113/114: inode-only overrun, no mark at all; 125: limits cleared.
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("113").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(12 * 1024L, 0, 0, 1));
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("114").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(22 * 1024L, 0, 0, 20));
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("125").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(124973 * 1024L, 0, 0, 8));
        // 092: -q, the form the controller runs.
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("092").stdout(), "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(29 * 1024L, 0, 102400 * 1024L, 3));
    }

    @Test
    void aLongMountPointIsNotWrappedOn217AndIsOn215() {
        String path = "/mnt/a-rather-long-kubelet-style-path/pods/0123456789abcdef0123456789abcdef/volumes/"
                + "kubernetes.io~csi/pvc-00000000-1111-2222-3333-444444444444/mount";
        assertThat(LfsCommands.parseProjectQuota(RecordedOutput.of("128").stdout(), path))
                .contains(new LfsCommands.ProjectQuota(124973 * 1024L, 0, 102400 * 1024L, 8));
        // 2.15 lfs.c print_quota: printf("%s\n%15s", mnt, "") for a mount point over 15 characters.
        String wrapped = path + "\n                 124973*       0  102400       -       8*       0       0       -\n";
        assertThat(LfsCommands.parseProjectQuota(wrapped, path))
                .contains(new LfsCommands.ProjectQuota(124973 * 1024L, 0, 102400 * 1024L, 8));
        // A path that merely starts with the mount point is another line.
        assertThat(LfsCommands.parseProjectQuota(
                        "    /mnt/lustre2      29       0  102400       -       3       0   10000       - \n",
                        "/mnt/lustre"))
                .isEmpty();
    }

    @Test
    void valuesInBracketsAreReadAndMarkTheFiguresIncomplete() {
        // lfs.c print_quota: "[%ju]" when a target did not report (QIF_SPACE / QIF_INODES not valid).
        String out = "    /mnt/lustre     [0]       0  102400       -     [0]       0   10000       - \n";
        assertThat(LfsCommands.parseProjectQuota(out, "/mnt/lustre"))
                .contains(new LfsCommands.ProjectQuota(0, 0, 102400 * 1024L, 0, false));
    }

    @Test
    void dfOfTheRealToolLeavesADeactivatedOstOutOfTheCapacity() {
        assertThat(LfsCommands.parseDf(RecordedOutput.of("049").stdout()))
                .contains(new LfsCommands.DfSummary(5462016L * 1024, 6144L * 1024, 5451776L * 1024, 2));
        // 197: OST0001 deactivated after scale-in: gone from the list and from the summary.
        assertThat(LfsCommands.parseDf(RecordedOutput.of("197").stdout()))
                .contains(new LfsCommands.DfSummary(2731008L * 1024, 14336L * 1024, 2712576L * 1024, 1));
        // 199: -v names it "OST0001 : inactive device" but counts it nowhere.
        assertThat(LfsCommands.parseDf(RecordedOutput.of("199").stdout()))
                .contains(new LfsCommands.DfSummary(2731008L * 1024, 14336L * 1024, 2712576L * 1024, 1));
        assertThat(LfsCommands.parseDf(RecordedOutput.of("204").stdout()))
                .contains(new LfsCommands.DfSummary(5462016L * 1024, 147456L * 1024, 5308416L * 1024, 2));
    }

    @Test
    void parsesDfSummaryAndCountsOsts() {
        String out = """
                UUID                   1K-blocks        Used   Available Use% Mounted on
                fs1-MDT0000_UUID         1000000        1000      999000   1% /mnt/fs1[MDT:0]
                fs1-OST0000_UUID       100000000     1000000    99000000   1% /mnt/fs1[OST:0]
                fs1-OST0001_UUID       100000000     3000000    97000000   3% /mnt/fs1[OST:1]

                filesystem_summary:    200000000     4000000   196000000   2% /mnt/fs1
                """;
        assertThat(LfsCommands.parseDf(out))
                .contains(new LfsCommands.DfSummary(200000000L * 1024, 4000000L * 1024, 196000000L * 1024, 2));
        assertThat(LfsCommands.parseDf("")).isEmpty();
    }

    @Test
    void parsesProjectListings() {
        String out = " 1000 P /pool/pvc-a\n    0 - /pool/lost+found\nnot a line\n";
        assertThat(LfsCommands.parseProjects(out))
                .containsExactly(
                        new LfsCommands.ProjectEntry(1000, true, "/pool/pvc-a"),
                        new LfsCommands.ProjectEntry(0, false, "/pool/lost+found"));
    }

    /** The command lines built here are accepted by the stand-in, which implements the manual's syntax. */
    @Test
    void commandLinesRunAgainstTheStandInLfs(@TempDir Path tmp) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path tool = bin.resolve("lfs");
        try (InputStream in = getClass().getResourceAsStream("/standins/bin/lfs")) {
            Files.copy(in, tool);
        }
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path mount = Files.createDirectories(tmp.resolve("mnt"));
        Path volume = Files.createDirectories(mount.resolve("pvc-1"));
        CommandRunner runner = new ProcessCommandRunner(Map.of("LFS_STANDIN_STATE", state.toString()));
        LfsCommands commands = new LfsCommands(
                new ToolPaths("mount", "umount", tool.toString(), "lctl", "lnetctl", "modprobe", "mkfs.lustre"));
        Duration t = Duration.ofSeconds(20);

        runner.runChecked(commands.setProject(1042, volume.toString()), t);
        runner.runChecked(commands.setProjectBlockLimit(1042, 2L << 20, mount.toString()), t);
        runner.runChecked(commands.setDefaultStripe(2, 1 << 20, volume.toString()), t);
        Files.write(volume.resolve("data"), new byte[200 * 1024]);

        List<LfsCommands.ProjectEntry> projects = LfsCommands.parseProjects(
                runner.runChecked(commands.listProjects(mount.toString()), t).stdout());
        assertThat(projects).containsExactly(new LfsCommands.ProjectEntry(1042, true, volume.toString()));
        LfsCommands.ProjectQuota quota = LfsCommands.parseProjectQuota(
                        runner.runChecked(commands.projectQuota(1042, mount.toString()), t)
                                .stdout(),
                        mount.toString())
                .orElseThrow();
        assertThat(quota.hardLimitBytes()).isEqualTo(2L << 20);
        assertThat(quota.usedBytes()).isGreaterThanOrEqualTo(200 * 1024L);
        assertThat(LfsCommands.parseDf(
                        runner.runChecked(commands.df(mount.toString()), t).stdout()))
                .isPresent();

        Path sub = Files.createDirectories(volume.resolve("sub"));
        runner.runChecked(commands.setProjectRecursively(1043, volume.toString()), t);
        assertThat(LfsCommands.parseProjects(runner.runChecked(commands.listProjects(volume.toString()), t)
                        .stdout()))
                .contains(new LfsCommands.ProjectEntry(1043, true, sub.toString()));
        runner.runChecked(commands.clearProjectRecursively(volume.toString()), t);
        runner.runChecked(commands.clearProjectQuota(1042, mount.toString()), t);
        assertThat(LfsCommands.parseProjects(runner.runChecked(commands.listProjects(mount.toString()), t)
                        .stdout()))
                .containsExactly(new LfsCommands.ProjectEntry(0, false, volume.toString()));
        // A command line outside the manual's syntax is refused, as the real tool would.
        assertThat(runner.run(List.of(tool.toString(), "setquota", "-u", "1", "/x"), t)
                        .succeeded())
                .isFalse();
        assertThat(Files.readAllLines(state.resolve("log/lfs.log"))).contains("project -p 1042 -s " + volume);
    }
}
