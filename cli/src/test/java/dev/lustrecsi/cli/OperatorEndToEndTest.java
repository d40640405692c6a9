package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    @AfterEach
    void close() {
        h.close();
    }

    private CliHarness.Result cli(CliHarness.SyncWriter err, String... args) {
        StringWriter out = new StringWriter();
        KubectlLustre root = new KubectlLustre((ctx, timeout) -> h.client());
        String[] withNs = new String[args.length + 2];
        withNs[0] = "-n";
        withNs[1] = NS;
        System.arraycopy(args, 0, withNs, 2, args.length);
        int code = KubectlLustre.commandLine(root, new PrintWriter(out, true), new PrintWriter(err, true)).execute(withNs);
        return new CliHarness.Result(code, out.toString(), err.toString());
    }

    /** Starts a waiting command, lets it begin watching, drives the operator until the goal, returns its result. */
    private CliHarness.Result waitingCommand(Predicate<LustreFileSystem> operatorGoal, String expectedStart, String... args)
            throws Exception {
        CliHarness.SyncWriter err = new CliHarness.SyncWriter();
        CompletableFuture<CliHarness.Result> running = CompletableFuture.supplyAsync(() -> cli(err, args));
        await().atMost(30, TimeUnit.SECONDS).until(() -> err.toString().contains(expectedStart));
        h.runUntil("demo", operatorGoal, 200);
        return running.get(60, TimeUnit.SECONDS);
    }

    private static boolean ready(LustreFileSystem fs) {
        return fs != null && fs.getStatus() != null && fs.getStatus().getPhase() == Phase.Ready;
    }

    @Test
    void createScaleUpgradeAndDeleteWithTheOperatorDoingTheWork() throws Exception {
        CliHarness.Result created = waitingCommand(OperatorEndToEndTest::ready, "demo: Pending",
                "create", "demo", "--osts", "2", "--fs-name", "lfs1", "--wait", "--timeout", "10m");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.err()).contains("lustrefilesystem/demo created (2 OSTs of 100Gi, tcp)")
                .containsPattern("demo: Ready \\(targets ready 3/3, OSTs 2/2, capacity 200 GiB");

        CliHarness.Result described = cli(new CliHarness.SyncWriter(), "describe", "demo");
        assertThat(described.exitCode()).isZero();
        assertThat(described.out()).contains("Phase:           Ready")
                .containsPattern("lfs1-MDT0000 +MDT +Ready +demo-mds0")
                .containsPattern("lfs1-OST0001 +OST +Ready +demo-oss1")
                .containsPattern("Mount source: +\\S+@tcp:/lfs1");

        CliHarness.Result scaled = waitingCommand(fs -> ready(fs) && Integer.valueOf(4).equals(fs.getStatus().getActiveOsts()),
                "scaled from 2 to 4 OSTs", "scale", "demo", "--osts", "4", "--wait");
        assertThat(scaled.exitCode()).as(scaled.err()).isZero();
        assertThat(scaled.err()).containsPattern("demo: Ready \\(targets ready 5/5, OSTs 4/4, capacity 400 GiB");
        assertThat(h.vmNames()).containsExactly("demo-mds0", "demo-oss0", "demo-oss1", "demo-oss2", "demo-oss3");

        CliHarness.Result upgraded = waitingCommand(fs -> ready(fs) && "2.15.6".equals(fs.getStatus().getLustreVersion()),
                "upgrading from Lustre 2.15.5 to 2.15.6", "upgrade", "demo", "--version", "2.15.6", "--wait");
        assertThat(upgraded.exitCode()).as(upgraded.err()).isZero();
        assertThat(upgraded.err()).contains("Lustre 2.15.6)");

        CliHarness.Result deleted = waitingCommand(fs -> fs == null, "lustrefilesystem/demo deleted", "delete", "demo", "--wait");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.err()).contains("demo: deleted");
        assertThat(h.vmNames()).isEmpty();
    }
}
