package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.server.VolumeLocks;
import dev.lustrecsi.lustre.mount.Mounter;

/**
 * The managed volume kinds and the per-volume locks every change to a volume holds, shared by the RPC layer
 * ({@link ControllerService}) and the periodic collectors ({@link OrphanCollector}), so a collector and a
 * DeleteVolume of the same volume never run at once in this process.
 */
public record VolumeKinds(
        SharedPools pools,
        SharedPoolVolumes shared,
        DedicatedVolumes dedicated,
        VolumeLocks locks,
        VolumesInUse inUse,
        VolumeClones clones) {

    /**
     * Both kinds over one set of collaborators, as the controller runs them: pools mounted by {@code mounter} under
     * the configured root, planned with the configured shrink band.
     */
    public static VolumeKinds create(
            ControllerConfig config,
            LustreFileSystems fileSystems,
            VolumeRecords records,
            Mounter mounter,
            VolumeDirectories directories,
            VolumesInUse inUse) {
        SharedPools pools =
                new SharedPools(fileSystems, records, new PoolMounts(mounter, config.poolMountRoot()), directories);
        CapacityPlanner planner = new CapacityPlanner(config.shrinkBandPercent());
        SharedPoolVolumes shared = new SharedPoolVolumes(config, pools, planner);
        return new VolumeKinds(
                pools,
                shared,
                new DedicatedVolumes(config, pools.fileSystems(), planner),
                // A call waits for a pool to become usable (readyWait) while holding its volume's lock.
                new VolumeLocks(config.readyWait().plusSeconds(60)),
                inUse,
                new VolumeClones(shared, records, directories));
    }

    /** The kind a managed volume id names: a whole filesystem is dedicated, a subdirectory is on a pool. */
    VolumeKind of(VolumeId id) {
        return id.isWholeFilesystem() ? dedicated : shared;
    }

    VolumeKind of(StorageClassParameters.Mode mode) {
        return mode == StorageClassParameters.Mode.SHARED ? shared : dedicated;
    }

    static String lockKey(VolumeId id) {
        return id.namespace() + "/" + id.filesystem() + (id.subdir().isEmpty() ? "" : "/" + id.subdir());
    }

    /** Runs {@code body} holding the volume's lock: concurrent duplicates wait and then find its result. */
    <T> T locked(String key, java.util.function.Supplier<T> body) {
        return locks.with(key, body);
    }

    /** Deletes a managed volume exactly as DeleteVolume does, under its lock (the {@link OrphanCollector}'s way in). */
    void reclaim(VolumeId id) {
        inUse.refuseWhileInUse(id);
        locked(lockKey(id), () -> {
            clones.stop(id);
            of(id).delete(id);
            return null;
        });
    }
}
