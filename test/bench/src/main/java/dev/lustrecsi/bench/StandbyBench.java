package dev.lustrecsi.bench;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Warm standby against a realistic guest boot: the real operator reconciler and the KubeVirt simulator on the mock
 * API server, the simulator holding every new VM in Scheduled for {@code bootDelay} (VM boot, cloud-init, Lustre
 * modules, first mkfs.lustre). Reports, with and without {@code spec.standby.ossServers: 1}:
 * <ul>
 *   <li>scale-out: from raising spec.ostCount by one OSS to the new OST counted in status.readyOsts (new capacity
 *       usable by the capacity planner and clients);</li>
 *   <li>new filesystem: from creating the LustreFileSystem to phase Ready — what a dedicated-mode CreateVolume
 *       waits for. Standby OSSs belong to one filesystem, so they do not shorten this; it is listed to show the
 *       floor a dedicated volume still has.</li>
 * </ul>
 * The operator is driven as its worker would be (a pass, then KubeVirt's step, every {@value #STEP_MILLIS} ms).
 * Figures only; nothing is asserted. {@code main} runs it alone: {@code [bootDelaySeconds] [runs]}.
 */
public final class StandbyBench {
    public static final String NAME = "standby";
    static final long STEP_MILLIS = 20;
    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final Duration bootDelay;
    private final int runs;

    public StandbyBench(Duration bootDelay, int runs) {
        this.bootDelay = bootDelay;
        this.runs = runs;
    }

    public static void main(String[] args) {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        Duration delay = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 20);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        ResultTable table = new ResultTable();
        new StandbyBench(delay, runs).run(Path.of("."), table);
        System.out.println(table.render(BenchMain.machine()));
        System.exit(0);
    }

    public void run(Path workDir, ResultTable table) {
        Samples bootstrap = new Samples();
        Samples scaleCold = new Samples();
        Samples scaleWarm = new Samples();
        for (int i = 0; i < runs; i++) {
            scaleCold.add(scaleOutMillis(0, bootstrap));
            scaleWarm.add(scaleOutMillis(1, null));
        }
        String delay = "simulated guest boot " + bootDelay.toSeconds() + " s";
        table.add(Figure.of(
                NAME,
                "new filesystem to Ready (dedicated CreateVolume floor), ms",
                bootstrap,
                delay + "; MGS/MDS then OSSs boot in turn; standby does not apply to a filesystem not yet made"));
        table.add(Figure.of(NAME, "scale-out +1 OSS to ready OST, no standby, ms", scaleCold, delay));
        table.add(Figure.of(
                NAME,
                "scale-out +1 OSS to ready OST, 1 warm standby, ms",
                scaleWarm,
                delay + "; one lctl set_param per MDT, then a replacement standby boots in the background"));
    }

    /** Bootstraps a 2-OST filesystem with {@code standby} spare OSSs, then times a scale-out by one OSS. */
    private double scaleOutMillis(int standby, Samples bootstrapMillis) {
        try (OperatorHarness h = new OperatorHarness("lfs1")) {
            h.kubevirt().bootDelay(bootDelay);
            LustreFileSystem fs = Fixtures.tcp("demo", 2);
            fs.getSpec().setStandby(new StandbySpec(standby));
            long t0 = System.nanoTime();
            h.create(fs);
            drive(h, f -> f.getStatus() != null && f.getStatus().getPhase() == Phase.Ready);
            if (bootstrapMillis != null) {
                bootstrapMillis.add((System.nanoTime() - t0) / 1e6);
            }
            drive(
                    h,
                    f -> f.getStatus().getPhase() == Phase.Ready
                            && (standby == 0
                                    || Integer.valueOf(standby)
                                            .equals(f.getStatus().getStandbyServers())));
            long t1 = System.nanoTime();
            h.editSpec("demo", s -> s.setOstCount(3));
            drive(h, f -> f.getStatus().getReadyOsts() != null && f.getStatus().getReadyOsts() == 3);
            return (System.nanoTime() - t1) / 1e6;
        }
    }

    private static void drive(OperatorHarness h, Predicate<LustreFileSystem> done) {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (System.nanoTime() < deadline) {
            h.reconcile("demo");
            if (done.test(h.get("demo"))) {
                return;
            }
            h.kubevirt().tick();
            try {
                Thread.sleep(STEP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the operator did not get there within 30 minutes");
    }
}
