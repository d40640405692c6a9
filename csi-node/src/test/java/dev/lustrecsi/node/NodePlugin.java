package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.server.CsiServer;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.IdentityService;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.mount.LibC;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.mount.Mounter;
import dev.lustrecsi.lustre.testing.FakeMounter;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.lustre.testing.SysfsFixture;
import dev.lustrecsi.testing.csi.CsiRequests;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node plugin as kubelet sees it in tests: the real Identity and Node services in the real CSI
 * server on a Unix socket, a real gRPC client, the real mounter, and the stand-in Lustre tools in
 * this JVM's private mount namespace. {@link #restart()} replaces the whole plugin but keeps the
 * node (its mount table), like a DaemonSet pod restart.
 */
final class NodePlugin implements AutoCloseable {
    static final String MGS = "10.7.0.1@tcp";
    static final MountBounds BOUNDS =
            new MountBounds(Duration.ofSeconds(4), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1));

    final LustreStandIns standIns;
    final Path root;
    final Path kubelet;
    final SysfsFixture sysfs;
    final Path route;
    private CsiServer server;
    private ManagedChannel channel;
    LnetConfigurator lnet;
    Mounter mounter;
    /** The in-memory mounter of a plugin made by {@link #withFakeMounter}, else null (real mounts). */
    final FakeMounter fake;

    VolumeStatsReader stats;
    /** The C library the plugin's mounter calls: the real one, or a test's wrapper that blocks like a dead server. */
    LibC libc = LibC.load();
    /** Where NodeStage learns the MGS's current NIDs; none by default (the volume context only). */
    MgsLookup mgsLookup = MgsLookup.NONE;

    private final long maxVolumes;
    /** The API the plugin records its staged volumes in (on Node "node-1"), or null for none. */
    private final KubernetesClient api;
    /** This plugin's staged volume record. */
    StagedVolumeRecord staged;

    NodePlugin(Path root) {
        this(root, 0);
    }

    NodePlugin(Path root, long maxVolumes) {
        this(root, maxVolumes, null, null);
    }

    /**
     * A plugin whose mounts are only in memory ({@link FakeMounter}): for validation and idempotency tests, which
     * then run as any user; the stand-in lnetctl, lctl and modprobe still run. Mounting for real is the other
     * tests' job, in the private mount namespace.
     */
    static NodePlugin withFakeMounter(Path root) {
        return new NodePlugin(root, 0, new FakeMounter(), null);
    }

    NodePlugin(Path root, KubernetesClient api) {
        this(root, 0, null, api);
    }

    private NodePlugin(Path root, long maxVolumes, FakeMounter fake, KubernetesClient api) {
        this.maxVolumes = maxVolumes;
        this.fake = fake;
        this.api = api;
        if (fake == null) {
            this.standIns = LustreStandIns.install();
            standIns.reset();
        } else {
            this.standIns = LustreStandIns.unmounted(root.resolve("standins"));
        }
        this.root = root;
        this.kubelet = root.resolve("kubelet");
        this.sysfs = new SysfsFixture(root.resolve("sys")).netInterface("eth7");
        this.route = root.resolve("route");
        try {
            Files.createDirectories(kubelet.resolve("pods"));
            Files.createDirectories(kubelet.resolve("plugins"));
            Files.writeString(route, """
                    Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
                    eth7\t00000000\t0107000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
                    eth7\t0007000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        standIns.interfaceAddress("eth7", "10.7.0.50");
        start();
    }

    private void start() {
        ProcessCommandRunner runner = new ProcessCommandRunner();
        lnet = new LnetConfigurator(
                runner, standIns.toolPaths(), sysfs.root(), route, Optional.empty(), Duration.ofSeconds(5));
        mounter = fake != null
                ? fake
                : new LinuxMounter(libc, runner, new MountCommands(standIns.toolPaths()), new MountTable(), BOUNDS);
        stats = new VolumeStatsReader(mounter, new ServerHealth(runner, standIns.toolPaths(), Duration.ofSeconds(5)));
        NodePaths paths = new NodePaths(kubelet);
        staged = api == null
                ? StagedVolumeRecord.none(mounter, paths)
                : new StagedVolumeRecord(
                        Optional.of(api), "node-1", mounter, paths, Clock.systemUTC(), Duration.ofMinutes(10));
        NodeService node = new NodeService(
                new NodeConfig("node-1", maxVolumes, paths, Duration.ofSeconds(20)),
                mounter,
                lnet,
                stats,
                mgsLookup,
                staged);
        ReadinessCheck lnetReady = () -> {
            LnetState s = lnet.ensureConfigured();
            return new ReadinessCheck.Result(s.ready(), s.detail());
        };
        server = CsiServer.start(
                Endpoint.parse("unix://" + root.resolve("csi/csi.sock")),
                List.of(new IdentityService(false, List.of(lnetReady)), node));
        channel = UnixChannels.open(server.endpoint().uri());
    }

    /** The plugin process dies and a new one starts: nothing survives but the node's mounts. */
    void restart() {
        stop();
        start();
    }

    NodeGrpc.NodeBlockingStub node() {
        return NodeGrpc.newBlockingStub(channel);
    }

    IdentityGrpc.IdentityBlockingStub identity() {
        return IdentityGrpc.newBlockingStub(channel);
    }

    Path staging(String volume) {
        return kubelet.resolve("plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/" + volume + "/globalmount");
    }

    Path target(String pod, String volume) {
        return kubelet.resolve("pods/" + pod + "/volumes/kubernetes.io~csi/" + volume + "/mount");
    }

    static VolumeCapability rwMany() {
        return CsiRequests.mountCapability(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER);
    }

    /** A stage request as kubelet makes it for a shared-pool volume {@code <fsName>/<subdir>}. */
    NodeStageVolumeRequest.Builder stage(String fsName, String subdir) {
        String id = "v1:default:pool-a:" + fsName + ":" + subdir;
        return NodeStageVolumeRequest.newBuilder()
                .setVolumeId(id)
                .setStagingTargetPath(staging(fsName + "-" + subdir).toString())
                .setVolumeCapability(rwMany())
                .putAllVolumeContext(Map.of("mgsNids", MGS, "fsName", fsName, "subdir", subdir));
    }

    NodePublishVolumeRequest.Builder publish(NodeStageVolumeRequest staged, String pod) {
        String volume = staged.getVolumeId().replaceAll(".*:(.*):(.*)$", "$1-$2");
        return NodePublishVolumeRequest.newBuilder()
                .setVolumeId(staged.getVolumeId())
                .setStagingTargetPath(staged.getStagingTargetPath())
                .setTargetPath(target(pod, volume).toString())
                .setVolumeCapability(staged.getVolumeCapability())
                .putAllVolumeContext(staged.getVolumeContextMap());
    }

    /** The stand-in server's directory of a volume (created), as the controller would have made it. */
    Path volumeOnServer(String fsName, String subdir) {
        try {
            return Files.createDirectories(standIns.serverRoot(MGS, fsName).resolve(subdir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int mountsAt(Path p) {
        return fake != null
                ? (int) fake.mounts().stream()
                        .filter(m -> m.mountPoint().equals(p))
                        .count()
                : new MountTable().countAt(p);
    }

    /** Every mount this test left below its directory. */
    List<Path> mountsBelowRoot() {
        return (fake != null ? fake.mounts() : new MountTable().read())
                .stream()
                        .map(m -> m.mountPoint())
                        .filter(p -> p.startsWith(root))
                        .toList();
    }

    /** A volume {@code subdir} made on the server and staged (NodeStageVolume) on this node; the stage request. */
    NodeStageVolumeRequest stagedVolume(String fsName, String subdir) {
        volumeOnServer(fsName, subdir);
        return staged(stage(fsName, subdir));
    }

    /** {@code stage} sent to NodeStageVolume; the request sent. */
    NodeStageVolumeRequest staged(NodeStageVolumeRequest.Builder stage) {
        NodeStageVolumeRequest request = stage.build();
        node().nodeStageVolume(request);
        return request;
    }

    /** The staged volume published (NodePublishVolume) for {@code pod}; the publish request. */
    NodePublishVolumeRequest published(NodeStageVolumeRequest staged, String pod) {
        NodePublishVolumeRequest request = publish(staged, pod).build();
        node().nodePublishVolume(request);
        return request;
    }

    /** The topology segments NodeGetInfo publishes: what a StorageClass's allowedTopologies match. */
    Map<String, String> topology() {
        return node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance())
                .getAccessibleTopology()
                .getSegmentsMap();
    }

    /**
     * Staging {@code stage} fails with {@code code} and a message saying each of {@code says}; nothing stays mounted.
     */
    void assertStageFails(NodeStageVolumeRequest stage, Status.Code code, String... says) {
        var thrown = assertThatThrownBy(() -> node().nodeStageVolume(stage)).has(status(code));
        for (String part : says) {
            thrown.hasMessageContaining(part);
        }
        assertThat(mountsBelowRoot()).isEmpty();
    }

    private void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.stop(Duration.ofSeconds(1));
        }
    }

    @Override
    public void close() {
        stop();
        if (fake != null) {
            return;
        }
        standIns.releaseHungServers();
        // Leave no mount behind for the next test, deepest first, detaching what no longer answers.
        List<Path> left = mountsBelowRoot().stream()
                .sorted((a, b) -> b.getNameCount() - a.getNameCount())
                .toList();
        LinuxMounter cleaner = new LinuxMounter(
                new ProcessCommandRunner(), new MountCommands(standIns.toolPaths()), new MountTable(), BOUNDS);
        for (Path p : left) {
            cleaner.unmount(p);
        }
    }
}
