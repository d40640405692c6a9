package dev.lustrecsi.node;

import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.server.GrpcErrors;
import dev.lustrecsi.csi.server.VolumeCapabilities;
import dev.lustrecsi.csi.server.VolumeLocks;
import dev.lustrecsi.csi.v1.NodeExpandVolumeRequest;
import dev.lustrecsi.csi.v1.NodeExpandVolumeResponse;
import dev.lustrecsi.csi.v1.NodeGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.NodeGetCapabilitiesResponse;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.NodeGetVolumeStatsRequest;
import dev.lustrecsi.csi.v1.NodeGetVolumeStatsResponse;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodePublishVolumeResponse;
import dev.lustrecsi.csi.v1.NodeServiceCapability;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeResponse;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeResponse;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeResponse;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeCapability.AccessMode.Mode;
import dev.lustrecsi.csi.v1.VolumeCondition;
import dev.lustrecsi.csi.v1.VolumeUsage;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.LustreMountOptions;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.mount.LustreSource;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.lustre.mount.Mounter;
import dev.lustrecsi.lustre.mount.UnmountOutcome;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI Node service. Stage mounts the Lustre client once per volume per node at the staging path;
 * publish bind-mounts that into each pod. What is mounted is always read from the mount table, so
 * repeated calls, concurrent duplicates and calls after a plugin restart find the mounts already made
 * and succeed without mounting twice. Bad input is refused before anything is touched.
 */
public final class NodeService extends NodeGrpc.NodeImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);

    private final NodeConfig config;
    private final Mounter mounter;
    private final LnetConfigurator lnet;
    private final VolumeStatsReader stats;
    private final VolumeLocks locks;
    private final MgsLookup mgs;
    private final StagedVolumeRecord staged;

    /** Without API access: the volume context's MGS NIDs, no staged volume record. */
    public NodeService(NodeConfig config, Mounter mounter, LnetConfigurator lnet, VolumeStatsReader stats) {
        this(config, mounter, lnet, stats, MgsLookup.NONE, StagedVolumeRecord.none(mounter, config.paths()));
    }

    /**
     * @param stats reads a volume's usage and condition (mount table, bounded statfs, the client's import
     *              state); the mount watcher uses the same reader, so both report alike
     * @param mgs the MGS NIDs the operator reports now, preferred over the volume context's at NodeStage
     * @param staged this node's record of its staged volumes, which DeleteVolume reads
     */
    public NodeService(
            NodeConfig config,
            Mounter mounter,
            LnetConfigurator lnet,
            VolumeStatsReader stats,
            MgsLookup mgs,
            StagedVolumeRecord staged) {
        this.config = config;
        this.mounter = mounter;
        this.lnet = lnet;
        this.stats = stats;
        this.locks = new VolumeLocks(config.lockWait());
        this.mgs = mgs;
        this.staged = staged;
    }

    // ----------------------------------------------------------------- stage / unstage

    @Override
    public void nodeStageVolume(NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
        answer(response, () -> {
            // Required fields first (CSI spec, NodeStageVolume errors), so no refusal is for an unrelated field.
            requirePresent(request.getVolumeId(), "volume_id");
            requirePresent(request.getStagingTargetPath(), "staging_target_path");
            VolumeCapability capability = capability(request.hasVolumeCapability(), request.getVolumeCapability());
            VolumeId id = volumeId(request.getVolumeId());
            Path staging = path(() -> config.paths().staging(request.getStagingTargetPath()));
            List<String> mountOptions =
                    mountOptions(request.getVolumeContextMap(), capability, VolumeCapabilities.readOnly(capability));
            LustreSource source = currentMgs(id, source(id, request.getVolumeContextMap()));
            requireReachableNetwork(source.mgsNids());

            try (VolumeLocks.Held held = locks.lock(id.encode())) {
                // One read of the mount table answers every question of this call (issue 15).
                List<MountInfo> table = mounter.mounts();
                Optional<MountInfo> existing = MountTable.topmostAt(table, staging);
                if (existing.isPresent()) {
                    if (source.isMountedAs(existing.get())) {
                        LOG.info("volume {} already staged at {}", id, staging);
                        return NodeStageVolumeResponse.getDefaultInstance();
                    }
                    throw Status.ALREADY_EXISTS
                            .withDescription(
                                    staging + " already has " + describe(existing.get()) + " mounted, not " + source)
                            .asRuntimeException();
                }
                if (config.maxVolumes() > 0 && stagedVolumes(table) >= config.maxVolumes()) {
                    throw Status.RESOURCE_EXHAUSTED
                            .withDescription("this node already has " + config.maxVolumes()
                                    + " Lustre volumes staged (--max-volumes)")
                            .asRuntimeException();
                }
                createDirectories(staging);
                staged.whileStaging(filesetOf(id), () -> mounter.mountLustre(source, staging, mountOptions));
                return NodeStageVolumeResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void nodeUnstageVolume(
            NodeUnstageVolumeRequest request, StreamObserver<NodeUnstageVolumeResponse> response) {
        answer(response, () -> {
            VolumeId id = volumeId(request.getVolumeId());
            Path staging = path(() -> config.paths().staging(request.getStagingTargetPath()));
            try (VolumeLocks.Held held = locks.lock(id.encode())) {
                unmountOwn(id, staging);
                staged.afterUnstage();
                return NodeUnstageVolumeResponse.getDefaultInstance();
            }
        });
    }

    // ----------------------------------------------------------------- publish / unpublish

    @Override
    public void nodePublishVolume(
            NodePublishVolumeRequest request, StreamObserver<NodePublishVolumeResponse> response) {
        answer(response, () -> {
            // Required fields first (CSI spec, NodePublishVolume errors; staging_target_path since we STAGE).
            requirePresent(request.getVolumeId(), "volume_id");
            requirePresent(request.getStagingTargetPath(), "staging_target_path");
            requirePresent(request.getTargetPath(), "target_path");
            VolumeCapability capability = capability(request.hasVolumeCapability(), request.getVolumeCapability());
            VolumeId id = volumeId(request.getVolumeId());
            Path target = path(() -> config.paths().target(request.getTargetPath()));
            Path staging = path(() -> config.paths().staging(request.getStagingTargetPath()));
            boolean readOnly = request.getReadonly() || VolumeCapabilities.readOnly(capability);
            requireContextMatches(id, request.getVolumeContextMap());
            // The bind mount cannot change Lustre options, but a forbidden one is still an error.
            mountOptions(request.getVolumeContextMap(), capability, readOnly);

            try (VolumeLocks.Held held = locks.lock(id.encode())) {
                // One read of the mount table answers every question of this call (issue 15).
                List<MountInfo> table = mounter.mounts();
                Optional<MountInfo> staged = MountTable.topmostAt(table, staging);
                if (staged.isEmpty()
                        || !filesetOf(id).equals(staged.get().lustreFileset().orElse(""))) {
                    throw Status.FAILED_PRECONDITION
                            .withDescription("volume " + id + " is not staged at " + staging
                                    + (staged.isPresent() ? " (it has " + describe(staged.get()) + ")" : ""))
                            .asRuntimeException();
                }
                Optional<MountInfo> existing = MountTable.topmostAt(table, target);
                if (existing.isPresent()) {
                    if (!filesetOf(id).equals(existing.get().lustreFileset().orElse(""))) {
                        throw Status.ALREADY_EXISTS
                                .withDescription(target + " already has " + describe(existing.get()) + " mounted")
                                .asRuntimeException();
                    }
                    if (existing.get().readOnly() != readOnly) {
                        throw Status.ALREADY_EXISTS
                                .withDescription("volume " + id + " is already published at " + target
                                        + (existing.get().readOnly() ? " read-only" : " read-write"))
                                .asRuntimeException();
                    }
                    LOG.info("volume {} already published at {}", id, target);
                    return NodePublishVolumeResponse.getDefaultInstance();
                }
                if (capability.getAccessMode().getMode() == Mode.SINGLE_NODE_SINGLE_WRITER) {
                    // One workload at a time (CSI spec, AccessMode): any other bind mount of it on this node is one.
                    Optional<Path> other = publishedTargets(id, table).stream()
                            .filter(p -> !p.equals(target))
                            .findFirst();
                    if (other.isPresent()) {
                        throw Status.FAILED_PRECONDITION
                                .withDescription("volume " + id + " has access mode"
                                        + " SINGLE_NODE_SINGLE_WRITER and is already published at " + other.get())
                                .asRuntimeException();
                    }
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                        && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw invalid("target_path " + target + " exists and is not a directory: a Lustre volume is"
                            + " published as a directory (mount access), never onto a file");
                }
                boolean created = !Files.exists(target);
                createDirectories(target);
                try {
                    mounter.bindMount(staging, target, readOnly);
                } catch (RuntimeException e) {
                    if (created) {
                        removeDirectory(target);
                    }
                    throw e;
                }
                return NodePublishVolumeResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void nodeUnpublishVolume(
            NodeUnpublishVolumeRequest request, StreamObserver<NodeUnpublishVolumeResponse> response) {
        answer(response, () -> {
            VolumeId id = volumeId(request.getVolumeId());
            Path target = path(() -> config.paths().target(request.getTargetPath()));
            try (VolumeLocks.Held held = locks.lock(id.encode())) {
                // Only a directory this call unmounted the volume from is ours to remove (the SP created it at
                // publish). Whatever else is at the target (a file, an empty directory nobody mounted) stays:
                // kubelet removes its own directories after NodeUnpublish succeeds.
                if (unmountOwn(id, target)) {
                    removeDirectory(target);
                }
                return NodeUnpublishVolumeResponse.getDefaultInstance();
            }
        });
    }

    // ----------------------------------------------------------------- stats, expansion, info

    @Override
    public void nodeGetVolumeStats(
            NodeGetVolumeStatsRequest request, StreamObserver<NodeGetVolumeStatsResponse> response) {
        answer(response, () -> {
            // Required fields first (CSI spec, NodeGetVolumeStats errors): then an id that cannot be one of ours, or a
            // path where this volume is not mounted, is NOT_FOUND, as the controller answers for unknown ids.
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            if (request.getVolumePath().isEmpty()) {
                throw invalid("volume_path is required");
            }
            VolumeId id = VolumeId.tryParse(request.getVolumeId())
                    .orElseThrow(() -> Status.NOT_FOUND
                            .withDescription("no such volume: " + GrpcErrors.quote(request.getVolumeId(), 200))
                            .asRuntimeException());
            // A path outside the kubelet's directories (or not absolute) cannot hold a volume of ours: NOT_FOUND too.
            Path volumePath;
            try {
                volumePath = config.paths().volumePath(request.getVolumePath(), "volume_path");
            } catch (IllegalArgumentException e) {
                throw Status.NOT_FOUND
                        .withDescription("volume " + id + " is not at " + GrpcErrors.quote(request.getVolumePath(), 300)
                                + ": " + e.getMessage())
                        .asRuntimeException();
            }
            Optional<MountInfo> mounted = mounter.mountAt(volumePath);
            // Another volume mounted there, or nothing at all: this volume is not there. An existing directory whose
            // mount is gone is still answered, with an abnormal condition saying so (a lost mount, for the CO's
            // events).
            // Never stat a mount point: on a Lustre mount whose servers are gone, stat blocks.
            if (mounted.map(m -> !filesetOf(id).equals(m.lustreFileset().orElse("")))
                    .orElseGet(() -> !Files.exists(volumePath, LinkOption.NOFOLLOW_LINKS))) {
                throw Status.NOT_FOUND
                        .withDescription("volume " + id + " is not at " + volumePath)
                        .asRuntimeException();
            }
            VolumeHealth health = stats.read(volumePath, filesetOf(id));
            NodeGetVolumeStatsResponse.Builder out = NodeGetVolumeStatsResponse.newBuilder()
                    .setVolumeCondition(VolumeCondition.newBuilder()
                            .setAbnormal(health.abnormal())
                            .setMessage(health.message()));
            health.usage()
                    .ifPresent(u -> out.addUsage(
                                    usage(VolumeUsage.Unit.BYTES, u.totalBytes(), u.usedBytes(), u.availableBytes()))
                            .addUsage(usage(VolumeUsage.Unit.INODES, u.totalInodes(), u.usedInodes(), u.freeInodes())));
            if (health.abnormal()) {
                LOG.warn("volume {} at {} is abnormal: {}", id, volumePath, health.message());
            }
            return out.build();
        });
    }

    /**
     * A volume grows on the servers (its project quota or the pool) while it stays mounted; the node
     * has nothing to resize, so EXPAND_VOLUME is not advertised. Should a CO call anyway, it gets the
     * size the client sees now.
     */
    @Override
    public void nodeExpandVolume(NodeExpandVolumeRequest request, StreamObserver<NodeExpandVolumeResponse> response) {
        answer(response, () -> {
            VolumeId id = volumeId(request.getVolumeId());
            Path volumePath = path(() -> config.paths().volumePath(request.getVolumePath(), "volume_path"));
            if (request.hasVolumeCapability() && request.getVolumeCapability().hasBlock()) {
                throw invalid("block access is not supported: Lustre volumes are filesystems");
            }
            VolumeHealth health = stats.read(volumePath, filesetOf(id));
            if (health.usage().isEmpty()) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(health.message())
                        .asRuntimeException();
            }
            return NodeExpandVolumeResponse.newBuilder()
                    .setCapacityBytes(health.usage().get().totalBytes())
                    .build();
        });
    }

    @Override
    public void nodeGetCapabilities(
            NodeGetCapabilitiesRequest request, StreamObserver<NodeGetCapabilitiesResponse> response) {
        answer(response, () -> {
            NodeGetCapabilitiesResponse.Builder caps = NodeGetCapabilitiesResponse.newBuilder();
            for (NodeServiceCapability.RPC.Type type : List.of(
                    NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
                    NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
                    NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
                    NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)) {
                caps.addCapabilities(NodeServiceCapability.newBuilder()
                        .setRpc(NodeServiceCapability.RPC.newBuilder().setType(type)));
            }
            return caps.build();
        });
    }

    @Override
    public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
        answer(response, () -> {
            LnetState state = lnet.ensureConfigured();
            return NodeGetInfoResponse.newBuilder()
                    .setNodeId(config.nodeId())
                    .setMaxVolumesPerNode(config.maxVolumes())
                    .setAccessibleTopology(Topology.newBuilder().putAllSegments(NodeTopology.segments(state)))
                    .build();
        });
    }

    // ----------------------------------------------------------------- helpers

    /** Unmounts what this volume has at {@code path}, saying whether it did; leaves anything else there alone. */
    private boolean unmountOwn(VolumeId id, Path path) {
        // One read: what is there, and how many mounts are stacked there to unmount (issue 15).
        List<MountInfo> table = mounter.mounts();
        Optional<MountInfo> mounted = MountTable.topmostAt(table, path);
        if (mounted.isEmpty()) {
            LOG.info("volume {} is not mounted at {}: nothing to do", id, path);
            return false;
        }
        if (!filesetOf(id).equals(mounted.get().lustreFileset().orElse(""))) {
            throw Status.FAILED_PRECONDITION
                    .withDescription(path + " has " + describe(mounted.get()) + " mounted, not volume " + id
                            + "; leaving it alone")
                    .asRuntimeException();
        }
        UnmountOutcome outcome = mounter.unmountMounted(path, MountTable.countAt(table, path));
        if (outcome == UnmountOutcome.DETACHED || outcome == UnmountOutcome.FORCED) {
            LOG.warn("volume {}: {} needed {} because its Lustre servers did not let go", id, path, outcome);
        }
        return true;
    }

    /** Where this volume is bind-mounted into pods on this node now (the mount table, not memory). */
    private List<Path> publishedTargets(VolumeId id, List<MountInfo> table) {
        Path pods = config.paths().kubeletDir().resolve("pods");
        String fileset = filesetOf(id);
        return table.stream()
                .filter(m -> m.mountPoint().startsWith(pods)
                        && fileset.equals(m.lustreFileset().orElse("")))
                .map(MountInfo::mountPoint)
                .toList();
    }

    private long stagedVolumes(List<MountInfo> table) {
        Path plugins = config.paths().kubeletDir().resolve("plugins");
        return table.stream()
                .filter(m ->
                        m.mountPoint().startsWith(plugins) && m.lustreFileset().isPresent())
                .count();
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        GrpcErrors.answer(response, call);
    }

    private static void requirePresent(String value, String field) {
        if (value.isEmpty()) {
            throw invalid(field + " is required");
        }
    }

    private static VolumeId volumeId(String raw) {
        if (raw.isEmpty()) {
            throw invalid("volume_id is required");
        }
        try {
            return VolumeId.parse(raw);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static Path path(Supplier<Path> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static VolumeCapability capability(boolean present, VolumeCapability capability) {
        return VolumeCapabilities.require(present, capability);
    }

    /**
     * The mount source: fsname and subdir from the id, MGS NIDs from the volume context (null when it has none:
     * a managed filesystem's volume created before its MGS had NIDs, resolved by {@link #currentMgs}).
     */
    private static LustreSource source(VolumeId id, Map<String, String> context) {
        requireContextMatches(id, context);
        String nids = context.get(VolumeContextKeys.MGS_NIDS);
        if ((nids == null || nids.isBlank()) && id.namespace().isEmpty()) {
            throw invalid("volume context lacks " + VolumeContextKeys.MGS_NIDS);
        }
        try {
            return new LustreSource(
                    nids == null || nids.isBlank() ? null : MgsNids.parse(nids), new FsName(id.fsName()), id.subdir());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    /**
     * The MGS where the operator says it is now (its LustreFileSystem status), else the volume context's NIDs: a
     * server on the pod network changes NIDs with every virt-launcher pod, and a PV keeps the NIDs of its creation.
     */
    private LustreSource currentMgs(VolumeId id, LustreSource fromContext) {
        Optional<MgsNids> now = mgs.current(id);
        if (now.isPresent()) {
            if (fromContext.mgsNids() != null
                    && !now.get().toString().equals(fromContext.mgsNids().toString())) {
                LOG.info("volume {}: MGS now at {} (volume context: {})", id, now.get(), fromContext.mgsNids());
            }
            return new LustreSource(now.get(), fromContext.fsName(), fromContext.subdir());
        }
        if (fromContext.mgsNids() == null) {
            throw Status.UNAVAILABLE
                    .withDescription("volume context lacks " + VolumeContextKeys.MGS_NIDS + " and LustreFileSystem "
                            + id.namespace() + "/" + id.filesystem() + " reports no MGS NIDs now")
                    .asRuntimeException();
        }
        return fromContext;
    }

    private static void requireContextMatches(VolumeId id, Map<String, String> context) {
        String fsName = context.get(VolumeContextKeys.FS_NAME);
        if (fsName != null && !fsName.equals(id.fsName())) {
            throw invalid("volume context fsName '" + fsName + "' contradicts the volume id's '" + id.fsName() + "'");
        }
        String subdir = context.get(VolumeContextKeys.SUBDIR);
        if (subdir != null && !subdir.replaceAll("^/+|/+$", "").equals(id.subdir())) {
            throw invalid("volume context subdir '" + subdir + "' contradicts the volume id's '" + id.subdir() + "'");
        }
    }

    private List<String> mountOptions(Map<String, String> context, VolumeCapability capability, boolean readOnly) {
        List<String> requested = new ArrayList<>();
        String fromContext = context.get(VolumeContextKeys.MOUNT_OPTIONS);
        if (fromContext != null) {
            requested.add(fromContext);
        }
        requested.addAll(capability.getMount().getMountFlagsList());
        try {
            return readOnly ? LustreMountOptions.readOnly(requested) : LustreMountOptions.check(requested);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    /** Refuses clearly when no MGS NID is on an LNet network this node has. */
    private void requireReachableNetwork(MgsNids nids) {
        LnetState state = lnet.ensureConfigured();
        if (!state.ready()) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("the Lustre client on this node is not ready: " + state.detail())
                    .asRuntimeException();
        }
        List<String> wanted = nids.networkTypes();
        if (wanted.stream().noneMatch(state.networkTypes()::contains)) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("the MGS is reachable over LNet " + wanted + " but this node has only "
                            + state.networkTypes())
                    .asRuntimeException();
        }
    }

    private static String filesetOf(VolumeId id) {
        return "/" + id.fsName() + (id.subdir().isEmpty() ? "" : "/" + id.subdir());
    }

    private static String describe(MountInfo m) {
        return m.lustreFileset().map(f -> "Lustre fileset " + f).orElse(m.fsType() + " " + m.source());
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw Status.INTERNAL
                    .withDescription("cannot create " + dir + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static void removeDirectory(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            LOG.warn("{} is not empty after unmount; leaving it", dir);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.getMessage());
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static VolumeUsage usage(VolumeUsage.Unit unit, long total, long used, long available) {
        return VolumeUsage.newBuilder()
                .setUnit(unit)
                .setTotal(total)
                .setUsed(used)
                .setAvailable(available)
                .build();
    }
}
