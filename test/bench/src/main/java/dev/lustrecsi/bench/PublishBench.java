package dev.lustrecsi.bench;

import dev.lustrecsi.csi.server.CsiServer;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.IdentityService;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.NodeGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.lustre.testing.SysfsFixture;
import dev.lustrecsi.node.LnetConfigurator;
import dev.lustrecsi.node.NodeConfig;
import dev.lustrecsi.node.NodePaths;
import dev.lustrecsi.node.NodeService;
import dev.lustrecsi.node.ServerHealth;
import dev.lustrecsi.node.VolumeStatsReader;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NodePublishVolume + NodeUnpublishVolume of a staged volume, over the node plugin's Unix socket (the real
 * NodeService in the real CSI server), against the floor: the same bind mount and unmount made directly with
 * LinuxMounter (mount(2) with MS_BIND, umount2) in the same JVM. The two are interleaved pair by pair, so load
 * on a noisy machine hits both alike, and reported as a ratio. A third side, two NodeGetCapabilities calls over
 * the same socket (they touch nothing), measures what the gRPC round trips alone cost, so the table splits the
 * CSI pair into transport and work.
 */
final class PublishBench {
    static final String NAME = "publish";
    private static final String MGS = "10.7.0.1@tcp";
    private static final String FS = "benchfs";
    private static final double RATIO_TARGET = 1.5;

    private final int iterations;

    PublishBench(int iterations) {
        this.iterations = iterations;
    }

    /** One measured step of a pair. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    /** Wall-clock and process CPU time of one step. */
    private record Cost(long wallNanos, long cpuNanos) {
        static Cost of(com.sun.management.OperatingSystemMXBean os, Step step) throws Exception {
            long cpu = os.getProcessCpuTime();
            long wall = System.nanoTime();
            step.run();
            wall = System.nanoTime() - wall;
            return new Cost(wall, os.getProcessCpuTime() - cpu);
        }
    }

    void run(Path workDir, ResultTable table) throws Exception {
        LustreStandIns standIns = LustreStandIns.install();
        standIns.reset();
        Path kubelet = workDir.resolve("kubelet");
        Files.createDirectories(kubelet.resolve("pods"));
        Files.createDirectories(kubelet.resolve("plugins"));
        SysfsFixture sysfs = new SysfsFixture(workDir.resolve("sys")).netInterface("eth7");
        Path route = workDir.resolve("route");
        Files.writeString(route, """
                Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
                eth7\t00000000\t0107000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
                eth7\t0007000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
                """);
        standIns.interfaceAddress("eth7", "10.7.0.50");
        Files.createDirectories(standIns.serverRoot(MGS, FS).resolve("vol-1"));

        ProcessCommandRunner runner = new ProcessCommandRunner();
        MountBounds bounds = MountBounds.defaults();
        LnetConfigurator lnet = new LnetConfigurator(
                runner, standIns.toolPaths(), sysfs.root(), route, Optional.empty(), Duration.ofSeconds(30));
        LinuxMounter mounter =
                new LinuxMounter(runner, new MountCommands(standIns.toolPaths()), new MountTable(), bounds);
        VolumeStatsReader stats =
                new VolumeStatsReader(mounter, new ServerHealth(runner, standIns.toolPaths(), Duration.ofSeconds(5)));
        NodeService node = new NodeService(
                new NodeConfig("bench-node", 0, new NodePaths(kubelet), Duration.ofSeconds(60)), mounter, lnet, stats);
        lnet.ensureConfigured();
        CsiServer server = CsiServer.start(
                Endpoint.parse("unix://" + workDir.resolve("node.sock")),
                List.of(new IdentityService(false, List.<ReadinessCheck>of()), node));
        ManagedChannel channel = UnixChannels.open(server.endpoint().uri());
        NodeGrpc.NodeBlockingStub stub = NodeGrpc.newBlockingStub(channel);

        String volumeId = "v1:default:pool-a:" + FS + ":vol-1";
        Path staging = kubelet.resolve("plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/bench/globalmount");
        Path target = kubelet.resolve("pods/pod-1/volumes/kubernetes.io~csi/bench/mount");
        Path floorTarget = workDir.resolve("floor-target");
        Files.createDirectories(floorTarget);
        VolumeCapability rwx = VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                        .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                .build();
        Map<String, String> context = Map.of("mgsNids", MGS, "fsName", FS, "subdir", "vol-1");
        stub.nodeStageVolume(NodeStageVolumeRequest.newBuilder()
                .setVolumeId(volumeId)
                .setStagingTargetPath(staging.toString())
                .setVolumeCapability(rwx)
                .putAllVolumeContext(context)
                .build());
        NodePublishVolumeRequest publish = NodePublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId)
                .setStagingTargetPath(staging.toString())
                .setTargetPath(target.toString())
                .setVolumeCapability(rwx)
                .putAllVolumeContext(context)
                .build();
        NodeUnpublishVolumeRequest unpublish = NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId)
                .setTargetPath(target.toString())
                .build();
        // The floor uses its own LinuxMounter: the syscalls and mount-table reads, none of the CSI plumbing.
        LinuxMounter floor =
                new LinuxMounter(runner, new MountCommands(standIns.toolPaths()), new MountTable(), bounds);
        try {
            Samples rpc = new Samples();
            Samples direct = new Samples();
            Samples ratio = new Samples();
            // CPU time of this JVM (client, server and floor all run in it), summed per side: unlike wall-clock
            // time it does not grow with the load other processes put on the machine.
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long rpcCpu = 0;
            long floorCpu = 0;
            long transportCpu = 0;
            Samples transport = new Samples();
            NodeGetCapabilitiesRequest noop = NodeGetCapabilitiesRequest.getDefaultInstance();
            int warmup = Math.max(10, iterations / 5);
            for (int i = -warmup; i < iterations; i++) {
                Cost csi = Cost.of(os, () -> {
                    stub.nodePublishVolume(publish);
                    stub.nodeUnpublishVolume(unpublish);
                });
                Cost bare = Cost.of(os, () -> {
                    floor.bindMount(staging, floorTarget, false);
                    floor.unmount(floorTarget);
                });
                Cost roundTrips = Cost.of(os, () -> {
                    stub.nodeGetCapabilities(noop);
                    stub.nodeGetCapabilities(noop);
                });
                if (i >= 0) {
                    transport.addNanosAsMillis(roundTrips.wallNanos());
                    transportCpu += roundTrips.cpuNanos();
                    rpc.addNanosAsMillis(csi.wallNanos());
                    direct.addNanosAsMillis(bare.wallNanos());
                    ratio.add((double) csi.wallNanos() / bare.wallNanos());
                    rpcCpu += csi.cpuNanos();
                    floorCpu += bare.cpuNanos();
                }
            }
            double p50Ratio = rpc.median() / direct.median();
            table.add(Figure.of(NAME, "NodePublish+NodeUnpublish over the socket, ms", rpc, ""));
            table.add(Figure.of(
                    NAME,
                    "floor: bind mount + unmount via mount(2), ms",
                    direct,
                    "LinuxMounter.bindMount + unmount in the same JVM (mount(2) MS_BIND, umount2, mountinfo reads); "
                            + "the target directory already exists"));
            table.add(Figure.of(
                    NAME,
                    "transport: two NodeGetCapabilities over the socket, ms",
                    transport,
                    "the gRPC round trips of a pair without the work; CPU "
                            + String.format(java.util.Locale.ROOT, "%.3f", transportCpu / 1e6 / iterations)
                            + " ms a pair"));
            table.add(Figure.of(NAME, "per-pair ratio CSI / floor", ratio, "pairs run back to back"));
            table.add(Figure.single(
                    NAME,
                    "CPU time per pair, CSI / floor, ms",
                    rpcCpu / 1e6 / iterations,
                    String.format(
                            java.util.Locale.ROOT,
                            "floor %.3f ms; ratio %.2f (process CPU time, whatever the load)",
                            floorCpu / 1e6 / iterations,
                            (double) rpcCpu / floorCpu)));
            double workRatio = (rpc.median() - transport.median()) / direct.median();
            table.add(Figure.single(
                    NAME,
                    "ratio of medians, CSI less transport / floor (p50)",
                    workRatio,
                    "what the plugin does in a pair beyond two gRPC round trips, against the bare syscalls"));
            table.add(Figure.single(
                    NAME,
                    "ratio of medians CSI / floor (p50)",
                    p50Ratio,
                    "<= 1.5x floor at p50",
                    p50Ratio <= RATIO_TARGET,
                    ""));
        } finally {
            try {
                stub.nodeUnpublishVolume(unpublish);
                stub.nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
                        .setVolumeId(volumeId)
                        .setStagingTargetPath(staging.toString())
                        .build());
            } finally {
                channel.shutdownNow();
                server.stop(Duration.ofSeconds(2));
                if (new MountTable().mountAt(floorTarget).isPresent()) {
                    floor.unmount(floorTarget);
                }
            }
        }
    }
}
