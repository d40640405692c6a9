package dev.lustrecsi.controller;

import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.TreeCopyCommands;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.lustre.testing.MountNamespace;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.testing.csi.StorageClassParams;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A controller as it runs in production (ControllerService over gRPC, fabric8 client, LinuxMounter, lfs through
 * ProcessCommandRunner) against the outermost stand-ins: the mock API server in CRUD mode, and, in a private
 * mount namespace, the stand-in mount.lustre (via the real mount(8)) and lfs. The operator's part - marking a
 * LustreFileSystem Ready with MGS NIDs - is done by test code, as the operator would.
 */
final class ControllerFixture implements AutoCloseable {
    static final String NAMESPACE = "lustre-csi";
    static final String IMAGE = StorageClassParams.SERVER_IMAGE;
    static final long GI = 1L << 30;
    static final MountBounds BOUNDS = new MountBounds(
            Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5));

    final KubernetesClient client;
    final Path mountRoot;
    final Duration readyWait;
    final int shrinkBandPercent;
    final LustreStandIns standIns;
    final ToolPaths tools;
    final CommandRunner runner = new ProcessCommandRunner();
    private final String serverName = InProcessServerBuilder.generateName();
    private Server server;
    private ManagedChannel channel;
    ControllerService service;
    VolumeKinds kinds;
    VolumeRecords records;
    VolumesInUse inUse;
    LustreFileSystems fileSystems;
    ControllerGrpc.ControllerBlockingStub stub;
    /** While this file exists, clone copies wait ({@link #holdCopies}). */
    final Path copyGate;

    /** @param mounts whether the test needs pool mounts (then it is skipped outside a private mount namespace) */
    ControllerFixture(KubernetesClient client, Path mountRoot, Duration readyWait, boolean mounts) {
        this(client, mountRoot, readyWait, mounts, 25);
    }

    /** @param shrinkBandPercent the controller's {@code --shrink-band-percent} (the other constructor: 25) */
    ControllerFixture(
            KubernetesClient client, Path mountRoot, Duration readyWait, boolean mounts, int shrinkBandPercent) {
        this.client = client;
        this.mountRoot = mountRoot;
        this.readyWait = readyWait;
        this.shrinkBandPercent = shrinkBandPercent;
        try {
            this.copyGate = Files.createTempDirectory("clone-gate").resolve("closed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (mounts) {
            standIns = LustreStandIns.install();
            tools = standIns.toolPaths();
        } else {
            standIns = MountNamespace.isPrivate() ? LustreStandIns.install() : null;
            tools = standIns != null ? standIns.toolPaths() : ToolPaths.standard();
        }
        start();
    }

    /**
     * How long a (re)start may wait for its first LISTs. fabric8's mock server (kubernetes-server-mock 7.8.0) can stall
     * for 30 s when a restart closes a watch while an event is being sent: WatchEventsListener.onClosed waits, on the
     * server's only event loop, for its sender thread, whose VertxMockWebSocket.send waits up to 30 s for a write only
     * that event loop can complete (seen in a clean-clone CI run). The records' LIST is retried until this bound, so a
     * restart outlasts the stall instead of failing the test.
     */
    private static final Duration MOCK_STALL_BOUND = Duration.ofSeconds(90);

    private void start() {
        ControllerConfig config = new ControllerConfig(
                NAMESPACE,
                Optional.empty(),
                Optional.empty(),
                readyWait,
                Duration.ofMillis(20),
                shrinkBandPercent,
                new ProjectIdAllocator(1000, 100_000),
                mountRoot,
                Duration.ofSeconds(30),
                Optional.empty());
        LinuxMounter mounter = new LinuxMounter(runner, new MountCommands(tools), new MountTable(), BOUNDS);
        records = VolumeRecords.start(client, MOCK_STALL_BOUND);
        inUse = VolumesInUse.watch(client).awaitSynced(MOCK_STALL_BOUND);
        // As ControllerMain wires it: pools from a watch.
        fileSystems = new LustreFileSystems(client).watch(MOCK_STALL_BOUND);
        kinds = VolumeKinds.create(
                config,
                fileSystems,
                records,
                mounter,
                new VolumeDirectories(
                        runner, new LfsCommands(tools), config.commandTimeout(), new TreeCopyCommands(gatedCp())),
                inUse);
        service = new ControllerService(config, kinds);
        try {
            server = InProcessServerBuilder.forName(serverName)
                    .addService(service)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        channel = InProcessChannelBuilder.forName(serverName).build();
        stub = ControllerGrpc.newBlockingStub(channel);
    }

    /** A controller restart: every in-memory object is new; the API server and the mount table remain. */
    void restart() {
        stopServer();
        start();
    }

    /**
     * The real cp, behind a gate a test can close ({@link #holdCopies}) to keep a clone's copy running: the wrapper
     * waits while the gate file exists, then runs cp with the driver's arguments.
     */
    private String gatedCp() {
        try {
            Path script = copyGate.resolveSibling("gated-cp");
            if (!Files.exists(script)) {
                Files.writeString(
                        script, "#!/bin/bash\nwhile [ -e '" + copyGate + "' ]; do sleep 0.05; done\nexec cp \"$@\"\n");
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return script.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Clone copies wait (in their cp) until {@link #releaseCopies}. */
    void holdCopies() {
        try {
            Files.writeString(copyGate, "held");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void releaseCopies() {
        try {
            Files.deleteIfExists(copyGate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void stopServer() {
        kinds.clones().close();
        records.close();
        inUse.close();
        fileSystems.close();
        channel.shutdownNow();
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Optional<LustreFileSystem> fileSystem(String name) {
        return Optional.ofNullable(client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .withName(name)
                .get());
    }

    List<LustreFileSystem> fileSystems() {
        return client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .list()
                .getItems();
    }

    /** What the operator does when the servers are up: phase Ready, MGS NIDs, capacity of the active OSTs. */
    LustreFileSystem markReady(String name, String mgsNid) {
        return setPhase(name, Phase.Ready, mgsNid);
    }

    /** The status the operator writes for a filesystem in {@code phase} with all its OSTs up, its MGS at the NID. */
    static void serving(LustreFileSystem fs, Phase phase, String mgsNid) {
        int osts = fs.getSpec().getOstCount();
        fs.getStatus().setPhase(phase);
        fs.getStatus().setMgsNids(new ArrayList<>(List.of(mgsNid)));
        fs.getStatus().setActiveOsts(osts);
        fs.getStatus().setReadyOsts(osts);
        fs.getStatus().setCapacityBytes(osts * fs.getSpec().getOstSizeBytes());
    }

    LustreFileSystem setPhase(String name, Phase phase, String mgsNid) {
        for (int attempt = 0; ; attempt++) {
            LustreFileSystem fs = fileSystem(name).orElseThrow();
            serving(fs, phase, mgsNid);
            try {
                return client.resources(LustreFileSystem.class)
                        .inNamespace(NAMESPACE)
                        .resource(fs)
                        .updateStatus();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 20) {
                    throw e;
                }
            }
        }
    }

    /** CreateVolume of a new dedicated filesystem: UNAVAILABLE while it provisions, then Ready, then the volume. */
    dev.lustrecsi.csi.v1.Volume markReadyAfterCreate(String resource, String mgsNid, CreateVolumeRequest request) {
        try {
            stub.createVolume(request);
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) {
                throw e;
            }
        }
        markReady(resource, mgsNid);
        return stub.createVolume(request).getVolume();
    }

    /** A pool's volume records as stored in the API server now (read past the controller's in-memory view). */
    Map<String, VolumeRecord> records(String pool) {
        Map<String, VolumeRecord> out = new java.util.TreeMap<>();
        for (dev.lustrecsi.model.LustreVolume v : client.resources(dev.lustrecsi.model.LustreVolume.class)
                .inNamespace(NAMESPACE)
                .withLabel(VolumeRecords.LABEL_POOL, pool)
                .list()
                .getItems()) {
            VolumeRecords.parse(v).ifPresent(p -> out.put(p.name(), p.record()));
        }
        return out;
    }

    /** The stand-in server's view of a filesystem: what every client mount of it shows. */
    Path serverRoot(String mgsNid, String fsName) {
        return standIns.serverRoot(mgsNid, fsName);
    }

    Path poolMount(String pool) {
        return mountRoot.resolve(NAMESPACE).resolve(pool);
    }

    /** The project id and inherit flag lfs reports for a directory. */
    LfsCommands.ProjectEntry projectOf(Path dir) {
        String out = runner.runChecked(new LfsCommands(tools).showProject(dir.toString()), Duration.ofSeconds(10))
                .stdout();
        return LfsCommands.parseProjects(out).get(0);
    }

    LfsCommands.ProjectQuota quotaOf(long projectId, Path mount) {
        String out = runner.runChecked(
                        new LfsCommands(tools).projectQuota(projectId, mount.toString()), Duration.ofSeconds(10))
                .stdout();
        return LfsCommands.parseProjectQuota(out, mount.toString()).orElseThrow();
    }

    String stripeOf(Path dir) {
        return runner.runChecked(List.of(tools.lfs(), "getstripe", "-d", dir.toString()), Duration.ofSeconds(10))
                .stdout();
    }

    List<String> lustreMountCalls() {
        return standIns == null
                ? List.of()
                : standIns.lustreMounts().stream()
                        .filter(l -> l.contains("target=" + mountRoot))
                        .toList();
    }

    @Override
    public void close() {
        stopServer();
        if (standIns == null) {
            return;
        }
        // Unmount the pool mounts this test made (deepest first) so the temporary directory can go.
        List<MountInfo> ours = new ArrayList<>(new MountTable()
                .read().stream()
                        .filter(m -> m.mountPoint().startsWith(mountRoot))
                        .toList());
        ours.sort(Comparator.comparingInt((MountInfo m) -> m.mountPoint().getNameCount())
                .reversed());
        LinuxMounter mounter = new LinuxMounter(runner, new MountCommands(tools), new MountTable(), BOUNDS);
        for (MountInfo m : ours) {
            mounter.unmount(m.mountPoint());
        }
    }
}
