package dev.lustrecsi.bench;

import dev.lustrecsi.controller.ControllerConfig;
import dev.lustrecsi.controller.ControllerService;
import dev.lustrecsi.controller.LustreFileSystems;
import dev.lustrecsi.controller.ProjectIdAllocator;
import dev.lustrecsi.controller.VolumeDirectories;
import dev.lustrecsi.controller.VolumeKinds;
import dev.lustrecsi.controller.VolumeRecords;
import dev.lustrecsi.controller.VolumesInUse;
import dev.lustrecsi.csi.server.CsiServer;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.IdentityService;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.testing.csi.CsiRequests;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The controller as it runs in production - Identity and Controller services in the real CSI server on a Unix
 * socket, fabric8 client, LinuxMounter, lfs through ProcessCommandRunner - against the outermost stand-ins: the
 * API server it is given (fabric8's mock in CRUD mode) and the stand-in Lustre client tools of this JVM's private
 * mount namespace. Clients talk to it over the socket, as the external-provisioner does.
 */
final class ControllerOnSocket implements AutoCloseable {
    static final long GI = 1L << 30;
    private static final MountBounds BOUNDS = new MountBounds(
            Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));

    final LustreStandIns standIns;
    final Path mountRoot;
    private final VolumeRecords records;
    private final VolumesInUse inUse;
    private final CsiServer server;
    private final ManagedChannel channel;
    private final VolumeKinds kinds;

    /** @param readyWait how long CreateVolume waits for a pool that is not Ready yet */
    ControllerOnSocket(KubernetesClient client, String namespace, Path workDir, Duration readyWait) {
        this(client, namespace, workDir, readyWait, 25);
    }

    /** @param shrinkBandPercent the controller's {@code --shrink-band-percent} (its default is 10) */
    ControllerOnSocket(
            KubernetesClient client, String namespace, Path workDir, Duration readyWait, int shrinkBandPercent) {
        this(client, namespace, workDir, readyWait, shrinkBandPercent, false);
    }

    /**
     * @param lfsInProcess answer lfs in this JVM ({@link InProcessLfs}: the driver's own cost, for a benchmark figure
     *     labelled so) instead of running the stand-in lfs
     */
    ControllerOnSocket(
            KubernetesClient client,
            String namespace,
            Path workDir,
            Duration readyWait,
            int shrinkBandPercent,
            boolean lfsInProcess) {
        this.standIns = standIns();
        this.mountRoot = workDir.resolve("pools");
        ProcessCommandRunner runner = new ProcessCommandRunner();
        dev.lustrecsi.lustre.CommandRunner lfsRunner =
                lfsInProcess ? new InProcessLfs(runner, standIns.toolPaths().lfs()) : runner;
        ControllerConfig config = new ControllerConfig(
                namespace,
                Optional.empty(),
                Optional.empty(),
                readyWait,
                Duration.ofMillis(20),
                shrinkBandPercent,
                ProjectIdAllocator.defaults(),
                mountRoot,
                Duration.ofSeconds(30),
                Optional.empty());
        LinuxMounter mounter =
                new LinuxMounter(runner, new MountCommands(standIns.toolPaths()), new MountTable(), BOUNDS);
        records = VolumeRecords.start(client, Duration.ofMinutes(2));
        inUse = VolumesInUse.watch(client).awaitSynced(Duration.ofMinutes(1));
        kinds = VolumeKinds.create(
                config,
                // As ControllerMain wires it: pools from a watch.
                new LustreFileSystems(client).watch(Duration.ofMinutes(1)),
                records,
                mounter,
                new VolumeDirectories(lfsRunner, new LfsCommands(standIns.toolPaths()), config.commandTimeout()),
                inUse);
        ControllerService service = new ControllerService(config, kinds);
        server = CsiServer.start(
                Endpoint.parse("unix://" + workDir.resolve("controller.sock")),
                List.of(new IdentityService(true, List.<ReadinessCheck>of()), service));
        channel = UnixChannels.open(server.endpoint().uri());
    }

    /** The JVM's stand-in Lustre tools, the lfs the controller needs among them. */
    static LustreStandIns standIns() {
        return LustreStandIns.install();
    }

    /** The leader's periodic re-plan of every pool ({@code --reconcile-interval} in ControllerMain), run now. */
    void reconcileAllPools() {
        kinds.shared().reconcileAllPools();
    }

    ControllerGrpc.ControllerBlockingStub stub() {
        return ControllerGrpc.newBlockingStub(channel);
    }

    /** StorageClass parameters of a benchmark's shared pool: 1 TiB OSTs of Lustre 2.15.5, at most {@code maxOsts}. */
    static Map<String, String> poolParameters(String pool, String namespace, int maxOsts) {
        return Map.of(
                "pool",
                pool,
                "namespace",
                namespace,
                "serverImage",
                "registry.example.org/lustre/server:2.15.5",
                "lustreVersion",
                "2.15.5",
                "ostSize",
                "1Ti",
                "maxOsts",
                Integer.toString(maxOsts));
    }

    static CreateVolumeRequest create(String name, long bytes, Map<String, String> parameters) {
        return CsiRequests.create(name, bytes, parameters).build();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.stop(Duration.ofSeconds(5));
        records.close();
        inUse.close();
        unmountBelow(mountRoot, standIns);
    }

    /** Unmounts everything mounted below {@code root} (a controller's pool mounts), deepest first. */
    static void unmountBelow(Path root, LustreStandIns standIns) {
        List<MountInfo> ours = new ArrayList<>(new MountTable()
                .read().stream()
                        .filter(m -> m.mountPoint().startsWith(root.toAbsolutePath()))
                        .toList());
        ours.sort(Comparator.comparingInt((MountInfo m) -> m.mountPoint().getNameCount())
                .reversed());
        LinuxMounter mounter = new LinuxMounter(
                new ProcessCommandRunner(), new MountCommands(standIns.toolPaths()), new MountTable(), BOUNDS);
        for (MountInfo m : ours) {
            mounter.unmount(m.mountPoint());
        }
    }
}
