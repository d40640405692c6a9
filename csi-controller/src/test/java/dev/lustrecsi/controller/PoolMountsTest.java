package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's pool mounts through the real mount(8) and the stand-in mount.lustre. */
class PoolMountsTest {
    @TempDir
    Path tmp;

    @Test
    void aPoolWhoseMgsMovedIsMountedAgainFromItsNewNidsAndKeptOtherwise() throws Exception {
        LustreStandIns standIns = LustreStandIns.install();
        LinuxMounter mounter = new LinuxMounter(
                new ProcessCommandRunner(),
                new MountCommands(standIns.toolPaths()),
                new MountTable(),
                ControllerFixture.BOUNDS);
        PoolMounts pools = new PoolMounts(mounter, tmp.resolve("pools"));
        FsName fs = new FsName("fsmove");
        Files.writeString(standIns.serverRoot("10.8.0.1@tcp", "fsmove").resolve("old-mgs"), "");
        Files.writeString(standIns.serverRoot("10.8.0.9@tcp", "fsmove").resolve("new-mgs"), "");
        try {
            Path p = pools.ensureMounted("ns", "pool", MgsNids.parse("10.8.0.1@tcp"), fs);
            assertThat(p.resolve("old-mgs")).exists();
            int mounts = standIns.lustreMounts().size();

            // Same NIDs, other spelling: the mount stays.
            pools.ensureMounted("ns", "pool", MgsNids.parse("10.8.0.1@tcp0"), fs);
            assertThat(standIns.lustreMounts()).hasSize(mounts);

            // The MGS moved: the stale mount is replaced by one from the new NIDs.
            pools.ensureMounted("ns", "pool", MgsNids.parse("10.8.0.9@tcp"), fs);
            assertThat(p.resolve("new-mgs")).exists();
            assertThat(p.resolve("old-mgs")).doesNotExist();
            assertThat(mounter.mountAt(p).orElseThrow().source()).startsWith("10.8.0.9@tcp:");
        } finally {
            pools.unmount("ns", "pool");
        }
    }
}
