package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NetworkType;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class CreateCommandTest extends CliOnMockCluster {
    @Test
    void sizeIsTurnedIntoWholeOstsAndTheSpecIsComplete() {
        CliHarness.Result r = cli.run("create", "scratch-01", "-n", "hpc", "--size", "1Ti", "--ost-size", "256Gi");
        r.assertExit(ExitCode.OK).contains("lustrefilesystem/scratch-01 created (4 OSTs of 256Gi, tcp)");
        LustreFileSystem fs = cli.get("hpc", "scratch-01");
        assertThat(fs.getSpec().getOstCount()).isEqualTo(4);
        assertThat(fs.getSpec().getOstSize().toString()).isEqualTo("256Gi");
        assertThat(fs.getSpec().getFsName()).isEqualTo("scratch0");
        assertThat(fs.getSpec().getLustreVersion()).isEqualTo("2.15.5");
        assertThat(fs.getSpec().getImage()).isEqualTo("ghcr.io/lustrecsi/lustre-server-vm:2.15.5");
        assertThat(fs.getSpec().getNetwork().getType()).isEqualTo(NetworkType.TCP);
    }

    @Test
    void sizeRoundsUpToWholeOssVms() {
        // 500Gi / 100Gi = 5 OSTs; at 2 OSTs per OSS that is 3 servers = 6 OSTs.
        CliHarness.Result r = cli.run("create", "round", "--size", "500Gi", "--osts-per-oss", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(cli.get("test", "round").getSpec().getOstCount()).isEqualTo(6);
    }

    @Test
    void rdmaFilesystemCarriesItsAttachmentAndAddresses() {
        CliHarness.Result r = cli.run(
                "create",
                "ib",
                "--osts",
                "2",
                "--network",
                "o2ib",
                "--attachment",
                "hpc/ib-fabric",
                "--addresses",
                "192.168.50.10/24,192.168.50.11/24,192.168.50.12/24");
        assertThat(r.exitCode()).as(r.err()).isZero();
        LustreFileSystem fs = cli.get("test", "ib");
        assertThat(fs.getSpec().getNetwork().getType()).isEqualTo(NetworkType.O2IB);
        assertThat(fs.getSpec().getNetwork().getAttachment()).isEqualTo("hpc/ib-fabric");
        assertThat(fs.getSpec().getNetwork().getAddresses()).hasSize(3);
    }

    @Test
    void anInvalidSpecIsRefusedWithEveryProblemAndNothingIsCreated() {
        CliHarness.Result r = cli.run("create", "bad", "--osts", "3", "--osts-per-oss", "2", "--network", "o2ib");
        r.assertExit(ExitCode.USAGE)
                .startsWith("error: invalid filesystem bad:")
                .contains("must be a multiple of spec.ostsPerOss 2")
                .contains("o2ib needs spec.network.attachment");
        assertThat(cli.get("test", "bad")).isNull();
    }

    @Test
    void sizeAndOstsTogetherOrNeitherAreUsageErrors() {
        CliHarness.Result both = cli.run("create", "x", "--size", "1Ti", "--osts", "4");
        both.assertExit(ExitCode.USAGE).contains("mutually exclusive").contains("--help");
        CliHarness.Result neither = cli.run("create", "x");
        neither.assertExit(ExitCode.USAGE).contains("Missing required argument");
        CliHarness.Result badSize = cli.run("create", "x", "--size", "lots");
        badSize.assertExit(ExitCode.USAGE).contains("--size 'lots' must be a positive size");
        assertThat(cli.get("test", "x")).isNull();
    }

    @Test
    void creatingTwiceIsRefused() {
        assertThat(cli.run("create", "twice", "--osts", "1").exitCode()).isZero();
        CliHarness.Result again = cli.run("create", "twice", "--osts", "2");
        again.assertExit(ExitCode.REFUSED).contains("lustrefilesystem \"twice\" already exists in namespace \"test\"");
        assertThat(cli.get("test", "twice").getSpec().getOstCount()).isEqualTo(1);
    }

    @Test
    void dryRunPrintsTheResourceAndCreatesNothing() {
        CliHarness.Result r = cli.run("create", "preview", "--osts", "2", "--dry-run", "-o", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        LustreFileSystem printed = Serialization.unmarshal(r.out(), LustreFileSystem.class);
        assertThat(printed.getMetadata().getName()).isEqualTo("preview");
        assertThat(printed.getSpec().getOstCount()).isEqualTo(2);
        assertThat(printed.getApiVersion()).isEqualTo("lustre.lustrecsi.dev/v1alpha1");
        assertThat(cli.get("test", "preview")).isNull();
    }

    @Test
    void waitShowsProgressUntilTheOperatorReportsReady() throws Exception {
        CliHarness.Running running =
                cli.start("create", "lfs1", "--osts", "2", "--wait", "--timeout", "5m", "-o", "json");
        running.awaitProgress("lfs1: Pending");

        cli.setStatus("test", "lfs1", s -> Fixtures.provisioning(s, "lfs1", 2, 1));
        running.awaitProgress("lfs1: Provisioning (targets ready 2/3, OSTs 1/2");
        CliHarness.Result r = cli.finishOnceReady(running, "test", "lfs1", 2, "2.15.5");
        r.assertExit(ExitCode.OK)
                .contains("lfs1: Ready (targets ready 3/3, OSTs 2/2, capacity 200 GiB, Lustre 2.15.5)");
        // stdout carries only the final object, for scripts.
        LustreFileSystem printed = Serialization.unmarshal(r.out(), LustreFileSystem.class);
        assertThat(printed.getStatus().getPhase()).isEqualTo(Phase.Ready);
        assertThat(printed.getStatus().getMgsNids()).containsExactly("10.244.1.10@tcp");
    }
}
