package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ManagedVolumes.condition;
import static dev.lustrecsi.controller.ManagedVolumes.exhaustedAsStatus;
import static dev.lustrecsi.controller.ManagedVolumes.invalid;
import static dev.lustrecsi.controller.ManagedVolumes.notFound;
import static dev.lustrecsi.controller.ManagedVolumes.requireCompatibleSize;
import static dev.lustrecsi.controller.ManagedVolumes.volume;
import static dev.lustrecsi.controller.ManagedVolumes.volumeId;

import dev.lustrecsi.controller.ManagedVolumes.Described;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared-pool volumes: a directory {@code /<volume name>} on a pool LustreFileSystem, limited by a Lustre project
 * quota; the pool's OST count follows the sum of its volumes' sizes ({@link CapacityPlanner}). Volume id
 * {@code v1:<ns>:<pool>:<fsname>:<name>}; each volume is recorded in a LustreVolume ({@link VolumeRecords}), the
 * directory, project id and quota live on the pool ({@link VolumeDirectories}). Called by the RPC layer
 * ({@link ControllerService}) and the collectors with the volume's lock held.
 */
public final class SharedPoolVolumes implements VolumeKind {
    private static final Logger LOG = LoggerFactory.getLogger(SharedPoolVolumes.class);

    private final ControllerConfig config;
    private final LustreFileSystems fileSystems;
    private final VolumeRecords records;
    private final PoolMounts mounts;
    private final VolumeDirectories directories;
    private final CapacityPlanner planner;

    public SharedPoolVolumes(ControllerConfig config, SharedPools pools, CapacityPlanner planner) {
        this.config = config;
        this.fileSystems = pools.fileSystems();
        this.records = pools.records();
        this.mounts = pools.mounts();
        this.directories = pools.directories();
        this.planner = planner;
    }

    @Override
    public String lockKey(NewVolume request) {
        return request.namespace() + "/" + request.params().pool() + "/" + request.name();
    }

    @Override
    public Volume create(NewVolume request) {
        String name = request.name();
        long capacity = request.capacityBytes();
        long limit = request.limitBytes();
        StorageClassParameters params = request.params();
        String namespace = request.namespace();
        String fingerprint = request.fingerprint();
        String pvc = request.pvc();
        String source = request.source();
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
                    VolumeClones.requireSameSource(name, existing, source);
                    return existing;
                }
                // A clone's source is checked in the same decision a DeleteVolume of it makes (VolumeClones).
                VolumeClones.requireSourceReady(volumes, source);
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
                        java.time.Instant.now().toString(),
                        source);
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
                return finishShared(reservation, record, id, capacity, limit, fingerprint, pool, projectedHere);
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
    private Volume finishShared(
            VolumeRecords.Reservation reservation,
            VolumeRecord record,
            VolumeId id,
            long capacity,
            long limit,
            String fingerprint,
            LustreFileSystem known,
            java.util.Set<Long> projectedHere) {
        String name = id.subdir();
        String namespace = known.getMetadata().getNamespace();
        String poolName = known.getMetadata().getName();
        requireCompatibleSize(name, record.capacityBytes(), capacity, limit);
        if (!record.parameters().equals(fingerprint)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists with different parameters")
                    .asRuntimeException();
        }
        LustreFileSystem usable;
        Path root;
        try {
            LustreFileSystem pool = reconcilePool(known);
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
        // A clone is Cloning, not Ready, until VolumeClones has copied its source into it.
        VolumeState finished = record.source() == null ? VolumeState.Ready : VolumeState.Cloning;
        if (record.state() != VolumeState.Ready && record.state() != finished) {
            try {
                reservation.commit(record.withState(finished));
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
        return volume(id, record.capacityBytes(), usable, record.mountOptions());
    }

    /** The pool resource, created on first use sized for this first volume. */
    private LustreFileSystem ensurePool(String namespace, StorageClassParameters params, long firstVolume) {
        // From the watch when it holds a usable pool spec; a refusal below is always made on a fresh read.
        Optional<LustreFileSystem> existing =
                fileSystems.current(namespace, params.pool(), SharedPoolVolumes::validPoolSpec);
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

    private static boolean validPoolSpec(LustreFileSystem pool) {
        return !DedicatedVolume.isDedicated(pool)
                && pool.getSpec() != null
                && pool.getSpec().getOstSizeBytes() > 0
                && FsName.isValid(pool.getSpec().getFsName());
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
                int current = currentOsts(fs);
                int desired = desiredOsts(fs, requested);
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

    /**
     * {@link #reconcilePool(String, String)} after a change of this call's own, starting from the pool this call read
     * a moment ago: when that copy needs no new OST count for the current sum, the pool is neither read again nor
     * written (one API read less per create and delete); otherwise it is reconciled on a fresh read. A count changed
     * by someone else in between is the periodic pass's to correct, as it would be after a fresh read too.
     */
    private LustreFileSystem reconcilePool(LustreFileSystem known) {
        String namespace = known.getMetadata().getNamespace();
        String pool = known.getMetadata().getName();
        if (known.getSpec() != null
                && known.getSpec().getOstSizeBytes() > 0
                && desiredOsts(known, records.requestedBytes(namespace, pool)) == currentOsts(known)) {
            return known;
        }
        return reconcilePool(namespace, pool);
    }

    private static int currentOsts(LustreFileSystem fs) {
        return fs.getSpec().getOstCount() == null
                ? FileSystemSpecs.sizing(fs).minOsts()
                : fs.getSpec().getOstCount();
    }

    /** The OST count the pool should have for {@code requested} bytes of volumes. */
    private int desiredOsts(LustreFileSystem fs, long requested) {
        CapacityPlanner.PoolSizing sizing = FileSystemSpecs.sizing(fs);
        int current = currentOsts(fs);
        try {
            return planner.desiredOsts(sizing, requested, current, FileSystemSpecs.scaleSettled(fs));
        } catch (CapacityPlanner.CapacityExhaustedException e) {
            // Already over (the policy was lowered by hand): grow as far as allowed, never shrink.
            return Math.max(current, sizing.maxOsts());
        }
    }

    /** Re-plans every pool that has records: run at start and periodically, so no missed reconcile lasts. */
    public void reconcileAllPools() {
        for (VolumeRecords.PoolKey key : records.pools()) {
            try {
                if (fileSystems.current(key.namespace(), key.pool(), fs -> true).isPresent()) {
                    reconcilePool(key.namespace(), key.pool(), true);
                }
            } catch (RuntimeException e) {
                LOG.warn("reconciling pool {}/{} failed: {}", key.namespace(), key.pool(), e.getMessage());
            }
        }
    }

    /** The pool's mount once the pool is usable (a clone's copy runs there). */
    Path usableRoot(String namespace, String poolName) {
        LustreFileSystem pool = fileSystems
                .get(namespace, poolName)
                .orElseThrow(() -> Status.NOT_FOUND
                        .withDescription("pool " + namespace + "/" + poolName + " does not exist")
                        .asRuntimeException());
        return mountPool(awaitUsable(pool, "pool"));
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

    @Override
    public void delete(VolumeId id) {
        // A pool the watch shows unusable is read again: "no directory can exist" is decided on a fresh read.
        Optional<LustreFileSystem> found = fileSystems.seen(id, LustreFileSystems::usable);
        if (found.isEmpty()) {
            LOG.info("DeleteVolume {}: pool gone; nothing to delete", id);
            return;
        }
        LustreFileSystem pool = found.get();
        String name = id.subdir();
        VolumeRecord record = records.update(pool, name, volumes -> {
            VolumeRecord r = volumes.get(name);
            VolumeClones.refuseWhileCloned(volumes, id);
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
            reconcilePool(pool);
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
        reconcilePool(pool);
        LOG.info(
                "volume {} deleted{}; project {} freed",
                id,
                archived == null ? "" : " (data archived at " + archived + ")",
                record.projectId());
    }

    @Override
    public long expand(VolumeId id, long wanted) {
        LustreFileSystem pool = fileSystems.seen(id, any -> true).orElseThrow(() -> notFound(id));
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
        LustreFileSystem usable = awaitUsable(reconcilePool(pool), "pool");
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

    @Override
    public Optional<Described> describe(VolumeId id) {
        if (!id.isManaged()) {
            return Optional.empty();
        }
        Optional<LustreFileSystem> fs = fileSystems.seen(id, any -> true);
        if (fs.isEmpty()) {
            return Optional.empty();
        }
        VolumeRecord record =
                records.get(id.namespace(), id.filesystem(), id.subdir()).orElse(null);
        return Optional.ofNullable(record).map(r -> describeShared(fs.get(), id.subdir(), r));
    }

    Described describeShared(LustreFileSystem pool, String name, VolumeRecord record) {
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

    /**
     * Up to {@code max} volumes with ids from {@code token} on, in id order, paged from the records' sorted view (no
     * cost per volume of the pools before the token).
     */
    List<Described> listFrom(String token, int max, LustreFileSystems.Listing fileSystemsNow) {
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
                        k -> fileSystemsNow.get(k.namespace(), k.pool()).filter(p -> p.getSpec() != null));
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
        return shared;
    }

    /** The filesystems for one ListVolumes page ({@link LustreFileSystems#listing}). */
    LustreFileSystems.Listing fileSystemsForListing(boolean firstPage) {
        return fileSystems.listing(firstPage);
    }

    /** The pool a StorageClass names, if it exists. */
    Optional<LustreFileSystem> pool(String namespace, String name) {
        return fileSystems.current(namespace, name, fs -> true);
    }

    /** What a volume of this class can still have: the pool's room (or a new pool's) above its requests. */
    long available(String namespace, StorageClassParameters params, Optional<LustreFileSystem> pool) {
        CapacityPlanner.PoolSizing sizing = pool.map(FileSystemSpecs::sizing).orElse(FileSystemSpecs.sizing(params));
        long requested = pool.isPresent() ? records.requestedBytes(namespace, params.pool()) : 0;
        return Math.max(0, sizing.maxCapacityBytes() - requested);
    }

    /** What every existing pool can still take (GetCapacity without a StorageClass). */
    long availableInAllPools() {
        long total = 0;
        for (VolumeRecords.PoolKey key : records.pools()) {
            Optional<LustreFileSystem> pool = fileSystems.current(key.namespace(), key.pool(), fs -> true);
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

    private LustreFileSystem awaitUsable(LustreFileSystem fs, String what) {
        return ManagedVolumes.awaitUsable(fileSystems, config, fs, what);
    }

    private static MgsNids mgsNids(LustreFileSystem fs) {
        return ManagedVolumes.mgsNids(fs);
    }
}
