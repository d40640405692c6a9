package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeleteWaitTest extends CliOnMockCluster {

    @BeforeEach
    void oneFilesystem() {
        assertThat(cli.run("create", "lfs", "--osts", "1").exitCode()).isZero();
    }

    @Test
    void deleteIsRefusedWhileVolumesLiveOnIt() {
        client.persistentVolumes()
                .resource(Fixtures.volume("pvc-1", "v1:test:lfs:lfs:pvc-1", "research", "home-bob", "10Gi"))
                .create();
        CliHarness.Result r = cli.run("delete", "lfs");
        r.assertExit(ExitCode.REFUSED)
                .isEqualTo("error: lustrefilesystem \"lfs\" is used by 1 volume: research/home-bob;"
                        + " delete those PVCs first, or use --force\n");
        assertThat(cli.get("test", "lfs")).isNotNull();

        CliHarness.Result forced = cli.run("delete", "lfs", "--force");
        forced.assertExit(ExitCode.OK).contains("warning: deleting lfs while 1 volume(s) still use it");
        assertThat(cli.get("test", "lfs")).isNull();
    }

    @Test
    void deleteAnUnusedFilesystemAndWaitForItToGo() {
        CliHarness.Result r = cli.run("delete", "lfs", "--wait", "--timeout", "2m");
        r.assertExit(ExitCode.OK)
                .contains("lustrefilesystem/lfs deleted (target disks are retained: diskDeletionPolicy Retain)")
                .contains("lfs: deleted");
        assertThat(cli.get("test", "lfs")).isNull();
        assertThat(cli.run("delete", "lfs").exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    }

    @Test
    void waitTimesOutWithExitFiveAndSaysWhereItStopped() {
        cli.setStatus("test", "lfs", s -> Fixtures.provisioning(s, "lfs", 1, 0));
        CliHarness.Result r = cli.run("wait", "lfs", "--timeout", "2s");
        r.assertExit(ExitCode.TIMEOUT)
                .contains("error: timed out after 2s waiting for lfs to be Ready;"
                        + " last seen: lfs: Provisioning (targets ready 1/2");
    }

    @Test
    void waitStopsWithExitOneWhenTheOperatorRejectsTheSpec() {
        Condition rejected = new ConditionBuilder()
                .withType(Conditions.SPEC_VALID)
                .withStatus("False")
                .withReason(Conditions.REASON_INVALID_SPEC)
                .withMessage("spec.network.addresses has 0 addresses but up to 3 servers need one each")
                .withLastTransitionTime("2026-01-01T00:00:00Z")
                .build();
        cli.setStatus("test", "lfs", s -> {
            s.setPhase(Phase.Pending);
            s.setConditions(List.of(rejected));
        });
        CliHarness.Result r = cli.run("wait", "lfs", "--timeout", "5m");
        r.assertExit(ExitCode.FAILED)
                .contains("error: the operator rejected lfs: spec.network.addresses has 0 addresses");
    }

    @Test
    void waitForAPhaseEndsWithExitThreeIfTheFilesystemIsDeleted() throws Exception {
        CliHarness.Running running = cli.start("wait", "lfs");
        running.awaitProgress("lfs: Pending");
        client.resources(dev.lustrecsi.model.LustreFileSystem.class)
                .inNamespace("test")
                .withName("lfs")
                .delete();
        CliHarness.Result r = running.finish();
        r.assertExit(ExitCode.NOT_FOUND).contains("was deleted while waiting for Ready");
    }

    @Test
    void waitUsageErrorsAndMissingResources() {
        CliHarness.Result bogus = cli.run("wait", "lfs", "--for", "Happy");
        bogus.assertExit(ExitCode.USAGE).contains("--for must be a phase (Pending, Provisioning, Ready");
        CliHarness.Result badTimeout = cli.run("wait", "lfs", "--timeout", "soon");
        badTimeout.assertExit(ExitCode.USAGE).contains("'soon' is not a duration");
        assertThat(cli.run("wait", "missing").exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        // Waiting for something already gone succeeds at once.
        assertThat(cli.run("wait", "missing", "--for", "delete").exitCode()).isZero();
    }

    @Test
    void helpListsEveryCommandAndTheExitCodes() {
        CliHarness.Result r = cli.run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out())
                .contains("create", "get", "describe", "scale", "upgrade", "delete", "wait")
                .contains("5  timed out waiting");
        CliHarness.Result unknown = cli.run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.USAGE);
    }
}
