package dev.lustrecsi.controller;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.server.GrpcErrors;
import dev.lustrecsi.csi.server.VolumeCapabilities;
import dev.lustrecsi.csi.server.VolumeLocks;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeResponse;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesResponse;
import dev.lustrecsi.csi.v1.ControllerGetVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerGetVolumeResponse;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.ControllerServiceCapability;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.CreateVolumeResponse;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeResponse;
import dev.lustrecsi.csi.v1.GetCapacityRequest;
import dev.lustrecsi.csi.v1.GetCapacityResponse;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.ListVolumesResponse;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.TopologyRequirement;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesResponse;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeCondition;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NetworkType;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI Controller service. Volumes come in two managed kinds and one unmanaged:
 * <ul>
 *   <li><b>shared</b>: a directory {@code /<volume name>} on a pool LustreFileSystem, limited by a Lustre project
 *       quota; the pool's OST count follows the sum of its volumes' sizes ({@link CapacityPlanner}). Volume id
 *       {@code v1:<ns>:<pool>:<fsname>:<name>}; each volume is recorded in a LustreVolume ({@link VolumeRecords}).</li>
 *   <li><b>dedicated</b>: a whole LustreFileSystem per volume, created here and served by the operator. Volume id
 *       {@code v1:<ns>:<resource>:<fsname>:}; the resource itself (labels, annotations) is the record.</li>
 *   <li><b>static</b>: a PV an admin wrote for an existing filesystem; the node mounts it from its attributes and
 *       the controller is never asked to create or delete it.</li>
 * </ul>
 * Between calls memory holds per-volume locks that serialize concurrent duplicates and the view of the records
 * that {@link VolumeRecords} keeps current from the API server (and rebuilds from it at start).
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);

    /** Used when a request sets neither required nor limit bytes. */
    public static final long DEFAULT_CAPACITY = 1L << 30;
    /**
     * Volume names (CSI allows 128 bytes; external-provisioner's are {@code pvc-<uuid>}) become directory names and
     * record names: a conservative, path-safe character set. Names of up to 63 characters are used as they are;
     * longer ones map deterministically to {@link VolumeNames#directoryName}.
     */
    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private static final List<ControllerServiceCapability.RPC.Type> CAPABILITIES = List.of(
            ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
            ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
            ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
            ControllerServiceCapability.RPC.Type.GET_CAPACITY,
            ControllerServiceCapability.RPC.Type.GET_VOLUME,
            ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
            ControllerServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER);

    private final ControllerConfig config;
    private final LustreFileSystems fileSystems;
    private final VolumeRecords records;
    private final PoolMounts mounts;
    private final VolumeDirectories directories;
    private final CapacityPlanner planner;
    private final VolumeLocks locks;
    private final VolumesInUse inUse;

    public ControllerService(
            ControllerConfig config,
            LustreFileSystems fileSystems,
            VolumeRecords records,
            PoolMounts mounts,
            VolumeDirectories directories,
            CapacityPlanner planner,
            VolumesInUse inUse) {
        this.config = config;
        this.fileSystems = fileSystems;
        this.records = records;
        this.mounts = mounts;
        this.directories = directories;
        this.planner = planner;
        this.locks = new VolumeLocks(config.readyWait().plusSeconds(60));
        this.inUse = inUse;
    }

    // ---------------------------------------------------------------- capabilities

    @Override
    public void controllerGetCapabilities(
            ControllerGetCapabilitiesRequest request, StreamObserver<ControllerGetCapabilitiesResponse> response) {
        respond(response, () -> {
            ControllerGetCapabilitiesResponse.Builder b = ControllerGetCapabilitiesResponse.newBuilder();
            for (ControllerServiceCapability.RPC.Type type : CAPABILITIES) {
                b.addCapabilities(ControllerServiceCapability.newBuilder()
                        .setRpc(ControllerServiceCapability.RPC.newBuilder().setType(type)));
            }
            return b.build();
        });
    }

    // ---------------------------------------------------------------- CreateVolume

    @Override
    public void createVolume(CreateVolumeRequest request, StreamObserver<CreateVolumeResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, CreateVolume errors), so no refusal is for an unrelated field.
            String requestedName = request.getName();
            if (requestedName.isEmpty()) {
                throw invalid("name is required");
            }
            if (request.getVolumeCapabilitiesCount() == 0) {
                throw invalid("volume_capabilities is required");
            }
            if (!VOLUME_NAME.matcher(requestedName).matches() || requestedName.contains("..")) {
                throw invalid("volume name '" + abbreviate(requestedName) + "' must be 1-128 letters, digits, '.', '_'"
                        + " or '-', starting with a letter or digit");
            }
            String name = VolumeNames.directoryName(requestedName);
            requireCapabilities(request.getVolumeCapabilitiesList());
            if (request.hasVolumeContentSource()) {
                throw invalid("volume content sources (snapshots, clones) are not supported");
            }
            if (!request.getMutableParamsMap().isEmpty()) {
                throw invalid("mutable parameters are not supported");
            }
            long capacity = capacity(request);
            long limit = request.getCapacityRange().getLimitBytes();
            StorageClassParameters params;
            try {
                params = StorageClassParameters.parse(request.getParametersMap());
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            requireReachable(request, params.network());
            String fingerprint = StorageClassParameters.fingerprint(request.getParametersMap());
            String pvc = claimOf(request.getParametersMap());
            String namespace = params.namespace().orElse(config.namespace());
            if (params.mode() == StorageClassParameters.Mode.SHARED) {
                return withLock(
                        namespace + "/" + params.pool() + "/" + name,
                        () -> createShared(name, capacity, limit, params, namespace, fingerprint, pvc));
            }
            String resource = FileSystemSpecs.dedicatedResourceName(name);
            return withLock(
                    namespace + "/" + resource,
                    () -> createDedicated(name, resource, capacity, limit, params, namespace, fingerprint, pvc));
        });
    }

    private CreateVolumeResponse createShared(
            String name,
            long capacity,
            long limit,
            StorageClassParameters params,
            String namespace,
            String fingerprint,
            String pvc) {
        LustreFileSystem pool = ensurePool(namespace, params, capacity);
        FsName fsName = new FsName(pool.getSpec().getFsName());
        VolumeId id = volumeId(namespace, params.pool(), fsName.value(), name);
        CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(pool);
        // Whether an id is in use on the pool, asked only for candidates the records leave free (and each once, across
        // retries): one quota lookup per create, not a listing of every volume directory.
        Supplier<Optional<Path>> poolRoot = memoize(() -> mounts.mounted(namespace, params.pool()));
        java.util.Set<Long> usedOnDisk = ConcurrentHashMap.newKeySet();
        // Ids this call put on the volume's directory: on a retry the disk shows them in use, by this very volume.
        java.util.Set<Long> projectedHere = ConcurrentHashMap.newKeySet();
        // After losing an id to another replica, look further on (by a random step), so two replicas allocating
        // from the same view do not keep colliding on the next id.
        long[] searchFrom = {0};
        for (int attempt = 1; ; attempt++) {
            VolumeRecords.Reservation reservation = records.reserve(pool, name, volumes -> {
                VolumeRecord existing = volumes.get(name);
                if (existing != null) {
                    if (existing.state() == VolumeState.Deleting) {
                        throw Status.ABORTED
                                .withDescription("volume " + name + " is being deleted")
                                .asRuntimeException();
                    }
                    if (!existing.parameters().equals(fingerprint)) {
                        throw Status.ALREADY_EXISTS
                                .withDescription("volume " + name + " exists with different StorageClass parameters")
                                .asRuntimeException();
                    }
                    return existing;
                }
                long requested = sum(volumes.requestedBytes(), capacity);
                try {
                    planner.requireFits(sizing, requested);
                } catch (CapacityPlanner.CapacityExhaustedException e) {
                    throw Status.RESOURCE_EXHAUSTED
                            .withDescription("pool " + namespace + "/" + params.pool() + " cannot take a volume of "
                                    + capacity + " bytes: " + e.getMessage())
                            .asRuntimeException();
                }
                ProjectIdAllocator ids = config.projectIds();
                long projectId = ids.allocate(
                        Math.max(volumes.lowestPossiblyFreeProjectId(ids.first()), searchFrom[0]),
                        candidate -> volumes.projectIdTaken(candidate) || usedOnDisk.contains(candidate));
                return new VolumeRecord(
                        projectId,
                        capacity,
                        fingerprint,
                        VolumeState.Creating,
                        params.onDelete() == StorageClassParameters.Reclaim.ARCHIVE
                                ? VolumeReclaim.Archive
                                : VolumeReclaim.Delete,
                        params.stripeCount(),
                        params.stripeSizeBytes(),
                        params.directoryMode(),
                        String.join(",", params.mountOptions()),
                        pvc,
                        java.time.Instant.now().toString());
            });
            try (reservation) {
                VolumeRecord record = reservation.record();
                // The disk is asked outside the pool's lock, so other creates on the pool do not wait for lfs.
                if (reservation.isNew()
                        && !projectedHere.contains(record.projectId())
                        && poolRoot.get()
                                .map(root -> directories.projectInUse(root, record.projectId()))
                                .orElse(false)) {
                    usedOnDisk.add(record.projectId());
                    continue;
                }
                return finishShared(
                        reservation, record, id, capacity, limit, fingerprint, namespace, params.pool(), projectedHere);
            } catch (VolumeRecords.ProjectIdTakenException | VolumeRecords.StaleRecordException e) {
                if (e instanceof VolumeRecords.ProjectIdTakenException lost) {
                    searchFrom[0] = lost.winner().projectId()
                            + 1
                            + java.util.concurrent.ThreadLocalRandom.current().nextInt(8 * attempt);
                }
                if (attempt >= 10) {
                    throw Status.ABORTED
                            .withDescription("volume " + name + ": " + e.getMessage())
                            .asRuntimeException();
                }
                LOG.info("volume {}: {}; deciding again", id, e.getMessage());
            }
        }
    }

    /**
     * Makes the reserved volume's directory, project and quota, then writes its record Ready: one API write for a
     * new volume on a usable pool. If the volume cannot be finished now (the pool is not usable yet, a Lustre step
     * failed), the reservation is written as Creating instead, so its project id and size hold until a retry.
     */
    private CreateVolumeResponse finishShared(
            VolumeRecords.Reservation reservation,
            VolumeRecord record,
            VolumeId id,
            long capacity,
            long limit,
            String fingerprint,
            String namespace,
            String poolName,
            java.util.Set<Long> projectedHere) {
        String name = id.subdir();
        requireCompatibleSize(name, record.capacityBytes(), capacity, limit);
        if (!record.parameters().equals(fingerprint)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists with different parameters")
                    .asRuntimeException();
        }
        LustreFileSystem usable;
        Path root;
        try {
            LustreFileSystem pool = reconcilePool(namespace, poolName);
            usable = awaitUsable(pool, "pool");
            root = mountPool(usable);
            // A Ready volume is in use: a retried create must not reset what its users changed (mode, layout).
            if (record.state() != VolumeState.Ready || !directories.exists(root, name)) {
                projectedHere.add(record.projectId());
                directories.create(root, name, record);
            }
        } catch (RuntimeException e) {
            if (reservation.isNew()) {
                try {
                    reservation.commit(record);
                } catch (VolumeRecords.ProjectIdTakenException lost) {
                    // Another replica holds that id: nothing is reserved; the retry decides again.
                } catch (RuntimeException writeFailed) {
                    LOG.warn(
                            "volume {}: could not record the reservation after a failure: {}",
                            id,
                            writeFailed.getMessage());
                }
            }
            throw e;
        }
        if (record.state() != VolumeState.Ready) {
            try {
                reservation.commit(record.withState(VolumeState.Ready));
            } catch (VolumeRecords.ProjectIdTakenException lost) {
                // Both set their quota on the id: the record that keeps it gets its own size back.
                directories.setQuota(
                        root, lost.winner().projectId(), lost.winner().capacityBytes());
                throw lost;
            }
        }
        LOG.info(
                "volume {} ready: {} bytes, project {} on pool {}/{}",
                id,
                record.capacityBytes(),
                record.projectId(),
                namespace,
                poolName);
        return CreateVolumeResponse.newBuilder()
                .setVolume(volume(id, record.capacityBytes(), usable, record.mountOptions()))
                .build();
    }

    /** The pool resource, created on first use sized for this first volume. */
    private LustreFileSystem ensurePool(String namespace, StorageClassParameters params, long firstVolume) {
        Optional<LustreFileSystem> existing = fileSystems.get(namespace, params.pool());
        if (existing.isPresent()) {
            LustreFileSystem pool = existing.get();
            if (DedicatedVolume.isDedicated(pool)) {
                throw invalid("LustreFileSystem " + namespace + "/" + params.pool()
                        + " is a dedicated volume's filesystem, not a pool");
            }
            if (pool.getSpec() == null
                    || pool.getSpec().getOstSizeBytes() <= 0
                    || !FsName.isValid(pool.getSpec().getFsName())) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(
                                "pool " + namespace + "/" + params.pool() + " has no valid fsName/ostSize in its spec")
                        .asRuntimeException();
            }
            return pool;
        }
        CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(params);
        int osts = exhaustedAsStatus(
                () -> planner.desiredOsts(sizing, firstVolume, params.minOsts()),
                "a new pool " + namespace + "/" + params.pool());
        String fsName = params.fsName().orElse(FileSystemSpecs.poolFsName(params.pool()));
        LustreFileSystem desired;
        try {
            desired = FileSystemSpecs.build(
                    namespace, params.pool(), fsName, LustreFileSystems.ROLE_POOL, osts, params, config, Map.of());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        LOG.info(
                "creating pool {}/{} (fsname {}, {} OSTs of {} bytes)",
                namespace,
                params.pool(),
                fsName,
                osts,
                params.ostSizeBytes());
        return fileSystems.createOrGet(desired);
    }

    /**
     * Sets the pool's OST count from its records (growth at once, shrinking with hysteresis). The pool is written only
     * when the count changes (with the sum it was planned for), not on every create, so creates do not contend for
     * it; a decision made on a sum that has grown meanwhile is made again.
     */
    LustreFileSystem reconcilePool(String namespace, String pool) {
        return reconcilePool(namespace, pool, false);
    }

    /** @param recordSum also write the planned-for sum when only it changed (the periodic pass) */
    private LustreFileSystem reconcilePool(String namespace, String pool, boolean recordSum) {
        LustreFileSystem result = null;
        for (int pass = 0; pass < 3; pass++) {
            // [from, to, requested] of the attempt that was written (a conflict re-runs the decision on fresh data).
            long[] decision = new long[3];
            result = fileSystems.update(namespace, pool, fs -> {
                long requested = records.requestedBytes(namespace, pool);
                CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(fs);
                int current = fs.getSpec().getOstCount() == null
                        ? sizing.minOsts()
                        : fs.getSpec().getOstCount();
                int desired;
                try {
                    desired = planner.desiredOsts(sizing, requested, current);
                } catch (CapacityPlanner.CapacityExhaustedException e) {
                    // Already over (the policy was lowered by hand): grow as far as allowed, never shrink.
                    desired = Math.max(current, sizing.maxOsts());
                }
                decision[0] = current;
                decision[1] = desired;
                decision[2] = requested;
                String sum = Long.toString(requested);
                Map<String, String> annotations = fs.getMetadata().getAnnotations() == null
                        ? new HashMap<>()
                        : new HashMap<>(fs.getMetadata().getAnnotations());
                if (desired == current
                        && (!recordSum || sum.equals(annotations.get(LustreFileSystems.ANNOTATION_CAPACITY)))) {
                    decision[0] = -1;
                    return null;
                }
                annotations.put(LustreFileSystems.ANNOTATION_CAPACITY, sum);
                fs.getMetadata().setAnnotations(annotations);
                fs.getSpec().setOstCount(desired);
                return fs;
            });
            if (decision[0] == -1) {
                return result;
            }
            if (decision[0] != decision[1]) {
                LOG.info(
                        "pool {}/{}: {} bytes requested: OSTs {} -> {}",
                        namespace,
                        pool,
                        decision[2],
                        decision[0],
                        decision[1]);
            }
            if (records.requestedBytes(namespace, pool) <= decision[2]) {
                return result;
            }
        }
        return result;
    }

    /** Re-plans every pool that has records: run at start and periodically, so no missed reconcile lasts. */
    public void reconcileAllPools() {
        for (VolumeRecords.PoolKey key : records.pools()) {
            try {
                if (fileSystems.get(key.namespace(), key.pool()).isPresent()) {
                    reconcilePool(key.namespace(), key.pool(), true);
                }
            } catch (RuntimeException e) {
                LOG.warn("reconciling pool {}/{} failed: {}", key.namespace(), key.pool(), e.getMessage());
            }
        }
    }

    private CreateVolumeResponse createDedicated(
            String name,
            String resource,
            long capacity,
            long limit,
            StorageClassParameters params,
            String namespace,
            String fingerprint,
            String pvc) {
        Optional<LustreFileSystem> existing = fileSystems.get(namespace, resource);
        LustreFileSystem fs;
        if (existing.isPresent()) {
            fs = existing.get();
            requireSameDedicated(fs, name, fingerprint, capacity, limit);
        } else {
            CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(params);
            int osts = exhaustedAsStatus(
                    () -> planner.desiredOsts(sizing, capacity, params.minOsts()),
                    "a dedicated filesystem for " + name);
            Map<String, String> annotations = new DedicatedVolume(
                            name,
                            fingerprint,
                            capacity,
                            String.join(",", params.mountOptions()),
                            Optional.ofNullable(pvc),
                            false)
                    .annotations();
            LustreFileSystem desired;
            try {
                desired = FileSystemSpecs.build(
                        namespace,
                        resource,
                        FileSystemSpecs.dedicatedFsName(namespace, resource),
                        LustreFileSystems.ROLE_DEDICATED,
                        osts,
                        params,
                        config,
                        annotations);
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            LOG.info(
                    "creating dedicated LustreFileSystem {}/{} for volume {} ({} OSTs)",
                    namespace,
                    resource,
                    name,
                    osts);
            fs = fileSystems.createOrGet(desired);
            // A concurrent call may have won the create with different parameters.
            requireSameDedicated(fs, name, fingerprint, capacity, limit);
        }
        LustreFileSystem usable = awaitUsable(fs, "dedicated filesystem");
        // Marks it handed over before answering: from now on only DeleteVolume removes it, never the orphan collector.
        if (!dedicatedRecord(usable).handedOver()) {
            usable = fileSystems.update(
                    namespace,
                    resource,
                    current -> dedicatedRecord(current).markHandedOver().writeTo(current));
        }
        DedicatedVolume recorded = dedicatedRecord(usable);
        VolumeId id = volumeId(namespace, resource, usable.getSpec().getFsName(), "");
        return CreateVolumeResponse.newBuilder()
                .setVolume(volume(id, recorded.capacityBytes(), usable, recorded.mountOptions()))
                .build();
    }

    /** An existing volume answers a repeated create only if its size is within the requested range. */
    private static void requireCompatibleSize(String name, long existing, long required, long limit) {
        if (existing < required || (limit > 0 && existing > limit)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists with " + existing + " bytes, outside the requested "
                            + required + ".." + (limit > 0 ? limit : "unlimited") + " bytes")
                    .asRuntimeException();
        }
    }

    private static void requireSameDedicated(
            LustreFileSystem fs, String name, String fingerprint, long capacity, long limit) {
        String where = "LustreFileSystem " + fs.getMetadata().getNamespace() + "/"
                + fs.getMetadata().getName();
        Optional<DedicatedVolume> record =
                DedicatedVolume.isDedicated(fs) ? Optional.of(dedicatedRecord(fs)) : Optional.empty();
        if (record.isEmpty() || !name.equals(record.get().volumeName())) {
            throw Status.ALREADY_EXISTS
                    .withDescription(where + " exists and is not the dedicated filesystem of volume " + name)
                    .asRuntimeException();
        }
        if (!fingerprint.equals(record.get().parameters())) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists with different StorageClass parameters")
                    .asRuntimeException();
        }
        requireCompatibleSize(name, record.get().capacityBytes(), capacity, limit);
    }

    /** The record on a dedicated volume's filesystem; FAILED_PRECONDITION if its annotations were broken by hand. */
    private static DedicatedVolume dedicatedRecord(LustreFileSystem fs) {
        try {
            return DedicatedVolume.read(fs)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "LustreFileSystem " + fs.getMetadata().getNamespace() + "/"
                                    + fs.getMetadata().getName() + " is not a dedicated volume's"));
        } catch (IllegalArgumentException e) {
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    private LustreFileSystem awaitUsable(LustreFileSystem fs, String what) {
        if (LustreFileSystems.usable(fs)) {
            return fs;
        }
        Optional<LustreFileSystem> latest = fileSystems.awaitUsable(
                fs.getMetadata().getNamespace(), fs.getMetadata().getName(), config.readyWait(), config.pollInterval());
        if (latest.isEmpty()) {
            throw Status.ABORTED
                    .withDescription(what + " " + fs.getMetadata().getName() + " was deleted meanwhile")
                    .asRuntimeException();
        }
        if (!LustreFileSystems.usable(latest.get())) {
            // Non-final for the external-provisioner: it retries, and the retry finds the same resource.
            throw Status.UNAVAILABLE
                    .withDescription(LustreFileSystems.describe(latest.get())
                            + "; the volume is reserved and will be ready when the " + what + " is")
                    .asRuntimeException();
        }
        return latest.get();
    }

    private Path mountPool(LustreFileSystem pool) {
        MgsNids nids = mgsNids(pool);
        try {
            return mounts.ensureMounted(
                    pool.getMetadata().getNamespace(),
                    pool.getMetadata().getName(),
                    nids,
                    new FsName(pool.getSpec().getFsName()));
        } catch (MountException e) {
            throw Status.UNAVAILABLE
                    .withDescription("cannot mount pool " + pool.getMetadata().getName() + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    // ---------------------------------------------------------------- DeleteVolume

    @Override
    public void deleteVolume(DeleteVolumeRequest request, StreamObserver<DeleteVolumeResponse> response) {
        respond(response, () -> {
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            Optional<VolumeId> parsed = VolumeId.tryParse(request.getVolumeId());
            if (parsed.isEmpty() || !parsed.get().isManaged()) {
                // No volume this driver created can have that id: by the spec, deleting it succeeds and touches
                // nothing.
                LOG.info(
                        "DeleteVolume of {} id '{}': nothing of ours to delete",
                        parsed.isEmpty() ? "malformed" : "static",
                        abbreviate(request.getVolumeId()));
                return DeleteVolumeResponse.getDefaultInstance();
            }
            VolumeId id = parsed.get();
            inUse.refuseWhileInUse(id);
            return withLock(lockKey(id), () -> {
                if (id.isWholeFilesystem()) {
                    deleteDedicated(id);
                } else {
                    deleteShared(id);
                }
                return DeleteVolumeResponse.getDefaultInstance();
            });
        });
    }

    void deleteShared(VolumeId id) {
        Optional<LustreFileSystem> found = fileSystems.get(id.namespace(), id.filesystem());
        if (found.isEmpty() || !id.fsName().equals(found.get().getSpec().getFsName())) {
            LOG.info("DeleteVolume {}: pool gone; nothing to delete", id);
            return;
        }
        LustreFileSystem pool = found.get();
        String name = id.subdir();
        VolumeRecord record = records.update(pool, name, volumes -> {
            VolumeRecord r = volumes.get(name);
            return r == null ? null : r.withState(VolumeState.Deleting);
        });
        if (record == null) {
            LOG.info("DeleteVolume {}: no such volume; nothing to delete", id);
            return;
        }
        boolean neverServed = pool.getStatus() == null
                || pool.getStatus().getMgsNids() == null
                || pool.getStatus().getMgsNids().isEmpty();
        if (!LustreFileSystems.usable(pool) && neverServed) {
            // The pool never ran, so no directory can exist: only the reservation is to undo.
            records.update(pool, name, volumes -> null);
            reconcilePool(id.namespace(), id.filesystem());
            LOG.info("volume {} deleted (reservation only; the pool never ran)", id);
            return;
        }
        if (!LustreFileSystems.usable(pool)) {
            throw Status.UNAVAILABLE
                    .withDescription(
                            LustreFileSystems.describe(pool) + "; the volume will be deleted when the pool is usable")
                    .asRuntimeException();
        }
        Path root = mountPool(pool);
        Path archived = directories.reclaim(root, name, record);
        records.update(pool, name, volumes -> null);
        reconcilePool(id.namespace(), id.filesystem());
        LOG.info(
                "volume {} deleted{}; project {} freed",
                id,
                archived == null ? "" : " (data archived at " + archived + ")",
                record.projectId());
    }

    void deleteDedicated(VolumeId id) {
        Optional<LustreFileSystem> found = fileSystems.get(id.namespace(), id.filesystem());
        if (found.isEmpty()) {
            return;
        }
        LustreFileSystem fs = found.get();
        if (!DedicatedVolume.isDedicated(fs) || !id.fsName().equals(fs.getSpec().getFsName())) {
            // Never delete a pool or an admin's filesystem because an id names it.
            throw Status.FAILED_PRECONDITION
                    .withDescription("LustreFileSystem " + id.namespace() + "/" + id.filesystem()
                            + " is not the dedicated filesystem of volume " + id + "; refusing to delete it")
                    .asRuntimeException();
        }
        LOG.info(
                "deleting dedicated LustreFileSystem {}/{} (disks: {})",
                id.namespace(),
                id.filesystem(),
                fs.getSpec().getDiskDeletionPolicy());
        fileSystems.delete(fs);
    }

    /** Deletes a managed volume exactly as DeleteVolume does (the {@link OrphanCollector}'s way in). */
    void reclaim(VolumeId id) {
        inUse.refuseWhileInUse(id);
        withLock(lockKey(id), () -> {
            if (id.isWholeFilesystem()) {
                deleteDedicated(id);
            } else {
                deleteShared(id);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- ControllerExpandVolume

    @Override
    public void controllerExpandVolume(
            ControllerExpandVolumeRequest request, StreamObserver<ControllerExpandVolumeResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, ControllerExpandVolume errors), then whether the id can be ours.
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            if (!request.hasCapacityRange()) {
                throw invalid("capacity_range is required");
            }
            VolumeId id = requireVolumeId(request.getVolumeId());
            long required = request.getCapacityRange().getRequiredBytes();
            long limit = request.getCapacityRange().getLimitBytes();
            if (required < 0 || limit < 0 || (limit > 0 && required > limit)) {
                throw Status.OUT_OF_RANGE
                        .withDescription("invalid capacity range: required " + required + ", limit " + limit)
                        .asRuntimeException();
            }
            long wanted = required > 0 ? required : limit;
            if (wanted == 0) {
                throw invalid("capacity_range sets no size");
            }
            if (request.hasVolumeCapability()) {
                requireCapabilities(List.of(request.getVolumeCapability()));
            }
            if (!id.isManaged()) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(
                                "volume " + id + " is a static volume on a filesystem this driver does not manage")
                        .asRuntimeException();
            }
            long capacity = withLock(
                    lockKey(id), () -> id.isWholeFilesystem() ? expandDedicated(id, wanted) : expandShared(id, wanted));
            // Quotas and OSTs are server side: nothing for the node to do.
            return ControllerExpandVolumeResponse.newBuilder()
                    .setCapacityBytes(capacity)
                    .setNodeExpansionRequired(false)
                    .build();
        });
    }

    private long expandShared(VolumeId id, long wanted) {
        LustreFileSystem pool = fileSystems
                .get(id.namespace(), id.filesystem())
                .filter(p -> id.fsName().equals(p.getSpec().getFsName()))
                .orElseThrow(() -> notFound(id));
        String name = id.subdir();
        CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(pool);
        VolumeRecord record = records.update(pool, name, volumes -> {
            VolumeRecord r = volumes.get(name);
            if (r == null) {
                throw notFound(id);
            }
            if (r.state() == VolumeState.Deleting) {
                throw Status.ABORTED
                        .withDescription("volume " + id + " is being deleted")
                        .asRuntimeException();
            }
            if (r.capacityBytes() >= wanted) {
                return r;
            }
            long requested = sum(volumes.requestedBytes() - r.capacityBytes(), wanted);
            try {
                planner.requireFits(sizing, requested);
            } catch (CapacityPlanner.CapacityExhaustedException e) {
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("pool " + id.namespace() + "/" + id.filesystem() + " cannot grow volume "
                                + name + " to " + wanted + " bytes: " + e.getMessage())
                        .asRuntimeException();
            }
            return r.withCapacity(wanted);
        });
        LustreFileSystem usable = awaitUsable(reconcilePool(id.namespace(), id.filesystem()), "pool");
        Path root = mountPool(usable);
        if (record.state() == VolumeState.Ready && directories.exists(root, name)) {
            directories.setQuota(root, record.projectId(), record.capacityBytes());
        } else {
            // Its creation was interrupted: finish it, at the new size.
            directories.create(root, name, record);
        }
        LOG.info("volume {} expanded to {} bytes", id, record.capacityBytes());
        return record.capacityBytes();
    }

    private long expandDedicated(VolumeId id, long wanted) {
        LustreFileSystem fs = fileSystems
                .get(id.namespace(), id.filesystem())
                .filter(f -> id.fsName().equals(f.getSpec().getFsName()))
                .filter(DedicatedVolume::isDedicated)
                .orElseThrow(() -> notFound(id));
        long recorded = dedicatedRecord(fs).capacityBytes();
        if (recorded >= wanted) {
            return awaitOsts(id, fs.getSpec().getOstCount(), recorded);
        }
        CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(fs);
        int osts = exhaustedAsStatus(
                () -> planner.desiredOsts(sizing, wanted, fs.getSpec().getOstCount()),
                "volume " + id + " at " + wanted + " bytes");
        fileSystems.update(id.namespace(), id.filesystem(), current -> {
            current.getSpec().setOstCount(Math.max(osts, current.getSpec().getOstCount()));
            return dedicatedRecord(current).withCapacity(wanted).writeTo(current);
        });
        LOG.info("dedicated volume {} expanding to {} bytes ({} OSTs)", id, wanted, osts);
        return awaitOsts(id, osts, wanted);
    }

    /** The new capacity once the operator reports the OSTs behind it Ready; until then UNAVAILABLE (the resizer retries). */
    private long awaitOsts(VolumeId id, int osts, long capacity) {
        if (!fileSystems.awaitReadyOsts(
                id.namespace(), id.filesystem(), osts, config.readyWait(), config.pollInterval())) {
            throw Status.UNAVAILABLE
                    .withDescription("volume " + id + " is growing to " + capacity + " bytes: " + osts
                            + " OSTs requested, not all Ready yet")
                    .asRuntimeException();
        }
        return capacity;
    }

    // ---------------------------------------------------------------- ValidateVolumeCapabilities

    @Override
    public void validateVolumeCapabilities(
            ValidateVolumeCapabilitiesRequest request, StreamObserver<ValidateVolumeCapabilitiesResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, ValidateVolumeCapabilities errors), then whether the id can be ours.
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            if (request.getVolumeCapabilitiesCount() == 0) {
                throw invalid("volume_capabilities is required");
            }
            VolumeId id = requireVolumeId(request.getVolumeId());
            if (id.isManaged()) {
                describe(id).orElseThrow(() -> notFound(id));
            }
            ValidateVolumeCapabilitiesResponse.Builder b = ValidateVolumeCapabilitiesResponse.newBuilder();
            try {
                requireCapabilities(request.getVolumeCapabilitiesList());
                if (!request.getParametersMap().isEmpty()) {
                    StorageClassParameters.parse(request.getParametersMap());
                }
            } catch (StatusRuntimeException | IllegalArgumentException e) {
                String message = e instanceof StatusRuntimeException sre
                        ? sre.getStatus().getDescription()
                        : e.getMessage();
                return b.setMessage(message).build();
            }
            return b.setConfirmed(ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                            .putAllVolumeContext(request.getVolumeContextMap())
                            .addAllVolumeCapabilities(request.getVolumeCapabilitiesList())
                            .putAllParameters(request.getParametersMap()))
                    .build();
        });
    }

    // ---------------------------------------------------------------- ListVolumes, ControllerGetVolume

    /** A volume as ListVolumes/ControllerGetVolume report it. */
    private record Described(Volume volume, VolumeCondition condition) {}

    @Override
    public void listVolumes(ListVolumesRequest request, StreamObserver<ListVolumesResponse> response) {
        respond(response, () -> {
            if (request.getMaxEntries() < 0) {
                throw invalid("max_entries must not be negative");
            }
            String token = request.getStartingToken();
            if (!token.isEmpty() && VolumeId.tryParse(token).isEmpty()) {
                throw Status.ABORTED
                        .withDescription("starting_token '" + abbreviate(token) + "' is not one this plugin issued")
                        .asRuntimeException();
            }
            int max = request.getMaxEntries() == 0 ? Integer.MAX_VALUE : request.getMaxEntries();
            List<Described> from = listFrom(token, max == Integer.MAX_VALUE ? max : max + 1);
            ListVolumesResponse.Builder b = ListVolumesResponse.newBuilder();
            for (int i = 0; i < from.size(); i++) {
                if (i == max) {
                    // The next id, not an index: stable while volumes come and go between pages.
                    b.setNextToken(from.get(i).volume().getVolumeId());
                    break;
                }
                b.addEntries(ListVolumesResponse.Entry.newBuilder()
                        .setVolume(from.get(i).volume())
                        .setStatus(ListVolumesResponse.VolumeStatus.newBuilder()
                                .setVolumeCondition(from.get(i).condition())));
            }
            return b.build();
        });
    }

    /**
     * Up to {@code max} volumes with ids from {@code token} on, in id order: shared ones paged from the records'
     * sorted view (no cost per volume of the pools before the token), merged with the dedicated filesystems.
     */
    private List<Described> listFrom(String token, int max) {
        String fromKey = "";
        Optional<VolumeId> start = token.isEmpty() ? Optional.empty() : VolumeId.tryParse(token);
        if (start.isPresent()) {
            VolumeId t = start.get();
            // Within a pool (one fsname) names sort as the ids do, so the token's own key is where to start.
            fromKey = VolumeRecords.orderKey(t.namespace(), t.filesystem(), t.subdir());
        }
        List<Described> shared = new ArrayList<>();
        Map<VolumeRecords.PoolKey, Optional<LustreFileSystem>> pools = new HashMap<>();
        String key = fromKey;
        boolean more = true;
        while (more && shared.size() < max) {
            List<VolumeRecords.Listed> batch = records.page(key, Math.min(max, 1000) + 1);
            more = batch.size() > Math.min(max, 1000);
            for (VolumeRecords.Listed l : batch) {
                key = VolumeRecords.orderKey(l.namespace(), l.pool(), l.name());
                Optional<LustreFileSystem> pool = pools.computeIfAbsent(
                        new VolumeRecords.PoolKey(l.namespace(), l.pool()),
                        k -> fileSystems.get(k.namespace(), k.pool()).filter(p -> p.getSpec() != null));
                if (pool.isEmpty()) {
                    continue;
                }
                Described d = describeShared(pool.get(), l.name(), l.record());
                if (token.isEmpty() || d.volume().getVolumeId().compareTo(token) >= 0) {
                    shared.add(d);
                }
                if (shared.size() >= max) {
                    break;
                }
            }
            if (more) {
                // Continue after the last key seen (page() is inclusive).
                key = key + "\0";
            }
        }
        List<Described> dedicated = new ArrayList<>();
        for (LustreFileSystem fs : fileSystems.listDedicated()) {
            Described d = describeDedicated(fs);
            if (token.isEmpty() || d.volume().getVolumeId().compareTo(token) >= 0) {
                dedicated.add(d);
            }
        }
        dedicated.sort((a, b) -> a.volume().getVolumeId().compareTo(b.volume().getVolumeId()));
        List<Described> merged = new ArrayList<>(Math.min(max, shared.size() + dedicated.size()));
        int i = 0;
        int j = 0;
        while (merged.size() < max && (i < shared.size() || j < dedicated.size())) {
            boolean takeShared = j >= dedicated.size()
                    || i < shared.size()
                            && shared.get(i)
                                            .volume()
                                            .getVolumeId()
                                            .compareTo(dedicated.get(j).volume().getVolumeId())
                                    <= 0;
            merged.add(takeShared ? shared.get(i++) : dedicated.get(j++));
        }
        return merged;
    }

    @Override
    public void controllerGetVolume(
            ControllerGetVolumeRequest request, StreamObserver<ControllerGetVolumeResponse> response) {
        respond(response, () -> {
            VolumeId id = requireVolumeId(request.getVolumeId());
            Described d = describe(id).orElseThrow(() -> notFound(id));
            return ControllerGetVolumeResponse.newBuilder()
                    .setVolume(d.volume())
                    .setStatus(ControllerGetVolumeResponse.VolumeStatus.newBuilder()
                            .setVolumeCondition(d.condition()))
                    .build();
        });
    }

    private Optional<Described> describe(VolumeId id) {
        if (!id.isManaged()) {
            return Optional.empty();
        }
        Optional<LustreFileSystem> fs = fileSystems
                .get(id.namespace(), id.filesystem())
                .filter(f ->
                        f.getSpec() != null && id.fsName().equals(f.getSpec().getFsName()));
        if (fs.isEmpty()) {
            return Optional.empty();
        }
        if (id.isWholeFilesystem()) {
            if (!DedicatedVolume.isDedicated(fs.get())) {
                return Optional.empty();
            }
            return Optional.of(describeDedicated(fs.get()));
        }
        VolumeRecord record =
                records.get(id.namespace(), id.filesystem(), id.subdir()).orElse(null);
        return Optional.ofNullable(record).map(r -> describeShared(fs.get(), id.subdir(), r));
    }

    private Described describeShared(LustreFileSystem pool, String name, VolumeRecord record) {
        VolumeId id = volumeId(
                pool.getMetadata().getNamespace(),
                pool.getMetadata().getName(),
                pool.getSpec().getFsName(),
                name);
        String problem = null;
        if (!LustreFileSystems.usable(pool)) {
            problem = LustreFileSystems.describe(pool);
        } else if (record.state() != VolumeState.Ready) {
            problem = "volume is " + record.state();
        }
        return new Described(volume(id, record.capacityBytes(), pool, record.mountOptions()), condition(problem));
    }

    private Described describeDedicated(LustreFileSystem fs) {
        VolumeId id = volumeId(
                fs.getMetadata().getNamespace(),
                fs.getMetadata().getName(),
                fs.getSpec().getFsName(),
                "");
        String problem = LustreFileSystems.usable(fs) ? null : LustreFileSystems.describe(fs);
        DedicatedVolume record;
        try {
            record = DedicatedVolume.read(fs).orElseThrow();
        } catch (IllegalArgumentException e) {
            // Listed as abnormal rather than failing the whole listing for one hand-edited filesystem.
            return new Described(volume(id, 0, fs, ""), condition(e.getMessage()));
        }
        return new Described(volume(id, record.capacityBytes(), fs, record.mountOptions()), condition(problem));
    }

    private static VolumeCondition condition(String problem) {
        return problem == null
                ? VolumeCondition.newBuilder()
                        .setAbnormal(false)
                        .setMessage("ok")
                        .build()
                : VolumeCondition.newBuilder()
                        .setAbnormal(true)
                        .setMessage(problem)
                        .build();
    }

    // ---------------------------------------------------------------- GetCapacity

    @Override
    public void getCapacity(GetCapacityRequest request, StreamObserver<GetCapacityResponse> response) {
        respond(response, () -> {
            if (request.getVolumeCapabilitiesCount() > 0) {
                requireCapabilities(request.getVolumeCapabilitiesList());
            }
            if (request.getParametersMap().isEmpty()) {
                // No StorageClass: what every existing pool can still take (CSI spec: the total available capacity).
                return GetCapacityResponse.newBuilder()
                        .setAvailableCapacity(availableInAllPools())
                        .build();
            }
            StorageClassParameters params;
            try {
                params = StorageClassParameters.parse(request.getParametersMap());
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            String namespace = params.namespace().orElse(config.namespace());
            Optional<LustreFileSystem> existingPool = params.mode() == StorageClassParameters.Mode.SHARED
                    ? fileSystems.get(namespace, params.pool())
                    : Optional.empty();
            NetworkType network = existingPool.map(ControllerService::networkOf).orElse(params.network());
            if (request.hasAccessibleTopology()
                    && !"true"
                            .equals(request.getAccessibleTopology()
                                    .getSegmentsMap()
                                    .get(topologyKey(network)))) {
                // Nodes in that segment cannot reach a filesystem on this network.
                return GetCapacityResponse.newBuilder().setAvailableCapacity(0).build();
            }
            long available;
            long maxVolume;
            if (params.mode() == StorageClassParameters.Mode.SHARED) {
                Optional<LustreFileSystem> pool = existingPool;
                CapacityPlanner.PoolSizing sizing =
                        pool.map(FileSystemSpecs::sizing).orElse(FileSystemSpecs.sizing(params));
                long requested = pool.isPresent() ? records.requestedBytes(namespace, params.pool()) : 0;
                available = Math.max(0, sizing.maxCapacityBytes() - requested);
                maxVolume = available;
            } else {
                available = FileSystemSpecs.sizing(params).maxCapacityBytes();
                maxVolume = available;
            }
            return GetCapacityResponse.newBuilder()
                    .setAvailableCapacity(available)
                    .setMaximumVolumeSize(com.google.protobuf.Int64Value.of(maxVolume))
                    .setMinimumVolumeSize(com.google.protobuf.Int64Value.of(1024))
                    .build();
        });
    }

    private long availableInAllPools() {
        long total = 0;
        for (VolumeRecords.PoolKey key : records.pools()) {
            Optional<LustreFileSystem> pool = fileSystems.get(key.namespace(), key.pool());
            if (pool.isPresent()
                    && pool.get().getSpec() != null
                    && pool.get().getSpec().getOstSizeBytes() > 0) {
                long free = Math.max(
                        0,
                        FileSystemSpecs.sizing(pool.get()).maxCapacityBytes()
                                - records.requestedBytes(key.namespace(), key.pool()));
                total = total > Long.MAX_VALUE - free ? Long.MAX_VALUE : total + free;
            }
        }
        return total;
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The pool's sum with one change: capacities are int64 from the caller, so a sum past Long.MAX_VALUE is a
     * capacity range no pool can hold, OUT_OF_RANGE, never an overflowed (negative) number.
     */
    private static long sum(long existing, long change) {
        try {
            return Math.addExact(existing, change);
        } catch (ArithmeticException e) {
            throw Status.OUT_OF_RANGE
                    .withDescription("the pool's capacity sum would exceed " + Long.MAX_VALUE + " bytes")
                    .asRuntimeException();
        }
    }

    private static NetworkType networkOf(LustreFileSystem fs) {
        return fs.getSpec().getNetwork() == null || fs.getSpec().getNetwork().getType() == null
                ? NetworkType.TCP
                : fs.getSpec().getNetwork().getType();
    }

    private Volume volume(VolumeId id, long capacity, LustreFileSystem fs, String mountOptions) {
        NetworkType network = networkOf(fs);
        Volume.Builder b = Volume.newBuilder()
                .setVolumeId(id.encode())
                .setCapacityBytes(capacity)
                .putVolumeContext(VolumeContextKeys.FS_NAME, id.fsName())
                .putVolumeContext(VolumeContextKeys.NETWORK, network.lnetName())
                .addAccessibleTopology(Topology.newBuilder().putSegments(topologyKey(network), "true"));
        if (LustreFileSystems.usable(fs)) {
            b.putVolumeContext(VolumeContextKeys.MGS_NIDS, mgsNids(fs).toString());
        }
        if (!id.subdir().isEmpty()) {
            b.putVolumeContext(VolumeContextKeys.SUBDIR, id.subdir());
        }
        if (mountOptions != null && !mountOptions.isEmpty()) {
            b.putVolumeContext(VolumeContextKeys.MOUNT_OPTIONS, mountOptions);
        }
        return b.build();
    }

    private static MgsNids mgsNids(LustreFileSystem fs) {
        try {
            return MgsNids.parse(String.join(":", fs.getStatus().getMgsNids()));
        } catch (IllegalArgumentException e) {
            throw Status.INTERNAL
                    .withDescription(LustreFileSystems.describe(fs) + " but reports unusable MGS NIDs "
                            + fs.getStatus().getMgsNids() + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    static String topologyKey(NetworkType network) {
        return network == NetworkType.O2IB ? DriverNames.TOPOLOGY_LNET_O2IB : DriverNames.TOPOLOGY_LNET_TCP;
    }

    private static VolumeId volumeId(String namespace, String filesystem, String fsName, String subdir) {
        try {
            return new VolumeId(namespace, filesystem, fsName, subdir);
        } catch (IllegalArgumentException e) {
            throw invalid("cannot form a volume id: " + e.getMessage());
        }
    }

    /** Empty ids are INVALID_ARGUMENT; ids that cannot be ours are NOT_FOUND, as the CSI spec's tables ask. */
    private static VolumeId requireVolumeId(String text) {
        if (text.isEmpty()) {
            throw invalid("volume_id is required");
        }
        try {
            return VolumeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw Status.NOT_FOUND
                    .withDescription("no such volume: " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static void requireCapabilities(List<VolumeCapability> capabilities) {
        VolumeCapabilities.requireAll(capabilities);
    }

    /** The claim a volume is for, when the external-provisioner passes it ({@code --extra-create-metadata}). */
    private static String claimOf(Map<String, String> parameters) {
        String ns = parameters.get("csi.storage.k8s.io/pvc/namespace");
        String name = parameters.get("csi.storage.k8s.io/pvc/name");
        return ns == null || name == null || ns.isEmpty() || name.isEmpty() ? null : ns + "/" + name;
    }

    private static long capacity(CreateVolumeRequest request) {
        long required = request.getCapacityRange().getRequiredBytes();
        long limit = request.getCapacityRange().getLimitBytes();
        if (required < 0 || limit < 0) {
            throw Status.OUT_OF_RANGE
                    .withDescription("capacity must not be negative")
                    .asRuntimeException();
        }
        if (limit > 0 && required > limit) {
            throw Status.OUT_OF_RANGE
                    .withDescription("required_bytes " + required + " exceeds limit_bytes " + limit)
                    .asRuntimeException();
        }
        if (required > 0) {
            return required;
        }
        return limit > 0 ? Math.min(limit, DEFAULT_CAPACITY) : DEFAULT_CAPACITY;
    }

    private static void requireReachable(CreateVolumeRequest request, NetworkType network) {
        if (!request.hasAccessibilityRequirements()) {
            return;
        }
        TopologyRequirement req = request.getAccessibilityRequirements();
        List<Topology> candidates = new ArrayList<>(req.getRequisiteList());
        candidates.addAll(req.getPreferredList());
        if (candidates.isEmpty()) {
            return;
        }
        String key = topologyKey(network);
        boolean reachable = candidates.stream()
                .anyMatch(t -> "true".equals(t.getSegmentsMap().get(key)));
        if (!reachable) {
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription("no node in the accessibility requirements has " + key + "=true: a "
                            + network.lnetName() + " filesystem would be unreachable")
                    .asRuntimeException();
        }
    }

    private static String lockKey(VolumeId id) {
        return id.namespace() + "/" + id.filesystem() + (id.subdir().isEmpty() ? "" : "/" + id.subdir());
    }

    /**
     * Serializes calls for one volume in this process: a concurrent duplicate waits for the first and then
     * finds its result. Across processes the resourceVersion-checked writes keep the outcome single.
     */
    private <T> T withLock(String key, Supplier<T> body) {
        return locks.with(key, body);
    }

    private static int exhaustedAsStatus(Supplier<Integer> plan, String what) {
        try {
            return plan.get();
        } catch (CapacityPlanner.CapacityExhaustedException e) {
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription("cannot size " + what + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static <T> Supplier<T> memoize(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }

    private static <T> void respond(StreamObserver<T> observer, Supplier<T> body) {
        GrpcErrors.answer(observer, body);
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static StatusRuntimeException notFound(VolumeId id) {
        return Status.NOT_FOUND
                .withDescription("volume " + id + " does not exist")
                .asRuntimeException();
    }

    private static String abbreviate(String s) {
        return GrpcErrors.quote(s, 80);
    }
}
