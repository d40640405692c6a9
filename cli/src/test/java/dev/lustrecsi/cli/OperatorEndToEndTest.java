package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI against the real operator reconciler and the KubeVirt simulator (server-provisioner's test-jar):
 * the commands a cluster admin types, with --wait, while the operator creates VMs and disks, the simulator
 * boots them, and the status moves through its real phases.
 */
class OperatorEndToEndTest {
    static final String NS = OperatorHarness.NAMESPACE;
    private final OperatorHarness h = new OperatorHarness("lfs1");
    private final CliHarness cli = new CliHarness(h.client());

    @AfterEach
    void close() {
        h.close();
    }

    /** {@code kubectl lustre -n <the harness's namespace> args...} */
    private static String[] inNamespace(String... args) {
        String[] withNs = new String[args.length + 2];
        withNs[0] = "-n";
        withNs[1] = NS;
        System.arraycopy(args, 0, withNs, 2, args.length);
        return withNs;
    }

    /** Starts a waiting command, lets it begin watching, drives the operator until the goal, returns its result. */
    private CliHarness.Result waitingCommand(
            Predicate<LustreFileSystem> operatorGoal, String expectedStart, String... args) throws Exception {
        CliHarness.Running running = cli.start(inNamespace(args));
        running.awaitProgress(expectedStart);
        h.runUntil("demo", operatorGoal, 200);
        return running.finish();
    }

    private static boolean ready(LustreFileSystem fs) {
        return fs != null && fs.getStatus() != null && fs.getStatus().getPhase() == Phase.Ready;
    }

    @Test
    void createScaleUpgradeAndDeleteWithTheOperatorDoingTheWork() throws Exception {
        CliHarness.Result created = waitingCommand(
                OperatorEndToEndTest::ready,
                "demo: Pending",
                "create",
                "demo",
                "--osts",
                "2",
                "--fs-name",
                "lfs1",
                "--wait",
                "--timeout",
                "10m");
        created.assertExit(ExitCode.OK)
                .contains("lustrefilesystem/demo created (2 OSTs of 100Gi, tcp)")
                .containsPattern("demo: Ready \\(targets ready 3/3, OSTs 2/2, capacity 200 GiB");

        CliHarness.Result described = cli.run(inNamespace("describe", "demo"));
        assertThat(described.exitCode()).isZero();
        assertThat(described.out())
                .contains("Phase:           Ready")
                .containsPattern("lfs1-MDT0000 +MDT +Ready +demo-mds0")
                .containsPattern("lfs1-OST0001 +OST +Ready +demo-oss1")
                .containsPattern("Mount source: +\\S+@tcp:/lfs1");

        CliHarness.Result scaled = waitingCommand(
                fs -> ready(fs) && Integer.valueOf(4).equals(fs.getStatus().getActiveOsts()),
                "scaled from 2 to 4 OSTs",
                "scale",
                "demo",
                "--osts",
                "4",
                "--wait");
        scaled.assertExit(ExitCode.OK).containsPattern("demo: Ready \\(targets ready 5/5, OSTs 4/4, capacity 400 GiB");
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");

        CliHarness.Result upgraded = waitingCommand(
                fs -> ready(fs) && "2.15.6".equals(fs.getStatus().getLustreVersion()),
                "upgrading from Lustre 2.15.5 to 2.15.6",
                "upgrade",
                "demo",
                "--version",
                "2.15.6",
                "--wait");
        upgraded.assertExit(ExitCode.OK).contains("Lustre 2.15.6)");

        CliHarness.Result deleted =
                waitingCommand(fs -> fs == null, "lustrefilesystem/demo deleted", "delete", "demo", "--wait");
        deleted.assertExit(ExitCode.OK).contains("demo: deleted");
        assertThat(h.vmNames()).isEmpty();
    }
}
