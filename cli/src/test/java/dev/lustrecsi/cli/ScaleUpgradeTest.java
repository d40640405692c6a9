package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScaleUpgradeTest extends CliOnMockCluster {

    @BeforeEach
    void aReadyFilesystemOfTwoOsts() {
        assertThat(cli.run("create", "lfs", "--osts", "2", "--osts-per-oss", "2", "--min-osts", "2", "--max-osts", "8")
                        .exitCode())
                .isZero();
        cli.setStatus("test", "lfs", s -> Fixtures.ready(s, "lfs", 2, 100 * Fixtures.GI, "2.15.5"));
    }

    @Test
    void scaleChangesTheDesiredOstCountOnly() {
        CliHarness.Result r = cli.run("scale", "lfs", "--osts", "6");
        r.assertExit(ExitCode.OK).contains("lustrefilesystem/lfs scaled from 2 to 6 OSTs");
        LustreFileSystem fs = cli.get("test", "lfs");
        assertThat(fs.getSpec().getOstCount()).isEqualTo(6);
        assertThat(fs.getSpec().getOstSize().toString()).isEqualTo("100Gi");
        assertThat(fs.getStatus().getPhase()).as("status is the operator's").isEqualTo(Phase.Ready);
    }

    @Test
    void scaleOutsideThePolicyOrNotInWholeServersIsRefusedUnchanged() {
        CliHarness.Result odd = cli.run("scale", "lfs", "--osts", "3");
        odd.assertExit(ExitCode.USAGE).contains("cannot scale lfs to 3 OSTs").contains("multiple of spec.ostsPerOss 2");
        CliHarness.Result big = cli.run("scale", "lfs", "--osts", "10");
        big.assertExit(ExitCode.USAGE).contains("outside spec.scalePolicy [2, 8]");
        assertThat(cli.get("test", "lfs").getSpec().getOstCount()).isEqualTo(2);
        assertThat(cli.run("scale", "missing", "--osts", "2").exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    }

    @Test
    void scaleWaitReturnsOnceTheNewOstsAreActive() throws Exception {
        CliHarness.Running running = cli.start("scale", "lfs", "--osts", "4", "--wait");
        running.awaitProgress("lfs: Ready (targets ready 3/3, OSTs 2/4");
        // Ready but with the old OST count is not done.
        cli.setStatus("test", "lfs", s -> {
            Fixtures.fill(s, "lfs", 4, 3, 100 * Fixtures.GI);
            s.setPhase(Phase.Scaling);
        });
        running.awaitProgress("lfs: Scaling (targets ready 4/5, OSTs 3/4");
        cli.finishOnceReady(running, "test", "lfs", 4, "2.15.5")
                .assertExit(ExitCode.OK)
                .contains("lfs: Ready (targets ready 5/5, OSTs 4/4, capacity 400 GiB");
    }

    @Test
    void upgradeRetagsTheServerImageAndWaitsForTheNewVersion() throws Exception {
        CliHarness.Running running = cli.start("upgrade", "lfs", "--version", "2.15.6", "--wait");
        running.awaitProgress("upgrading from Lustre 2.15.5 to 2.15.6");
        LustreFileSystem fs = cli.get("test", "lfs");
        assertThat(fs.getSpec().getLustreVersion()).isEqualTo("2.15.6");
        assertThat(fs.getSpec().getImage()).isEqualTo("ghcr.io/lustrecsi/lustre-server-vm:2.15.6");

        cli.setStatus("test", "lfs", s -> s.setPhase(Phase.Upgrading));
        running.awaitProgress("lfs: Upgrading");
        cli.finishOnceReady(running, "test", "lfs", 2, "2.15.6")
                .assertExit(ExitCode.OK)
                .contains("Lustre 2.15.6)");
    }

    @Test
    void upgradeRefusesVersionsItCannotMapToAnImage() {
        CliHarness.Result bad = cli.run("upgrade", "lfs", "--version", "latest");
        bad.assertExit(ExitCode.USAGE).contains("spec.lustreVersion 'latest' must look like 2.15.5");

        assertThat(cli.run("create", "custom", "--osts", "1", "--image", "registry.example.org/lustre:site-build")
                        .exitCode())
                .isZero();
        CliHarness.Result noImage = cli.run("upgrade", "custom", "--version", "2.16.1");
        noImage.assertExit(ExitCode.USAGE).contains("give --image");
        assertThat(cli.get("test", "custom").getSpec().getLustreVersion()).isEqualTo("2.15.5");

        CliHarness.Result withImage = cli.run(
                "upgrade", "custom", "--version", "2.16.1", "--image", "registry.example.org/lustre:site-build-2");
        assertThat(withImage.exitCode()).as(withImage.err()).isZero();
        assertThat(cli.get("test", "custom").getSpec().getImage())
                .isEqualTo("registry.example.org/lustre:site-build-2");
    }
}
