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
import dev.lustrecsi.model.LustreFileSystem;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dedicated volumes: a whole LustreFileSystem per volume, created here and served by the operator. Volume id
 * {@code v1:<ns>:<resource>:<fsname>:}; the resource itself is the record ({@link DedicatedVolume}). Called by the
 * RPC layer ({@link ControllerService}) and the collectors with the volume's lock held.
 */
public final class DedicatedVolumes implements VolumeKind {
    private static final Logger LOG = LoggerFactory.getLogger(DedicatedVolumes.class);

    private final ControllerConfig config;
    private final LustreFileSystems fileSystems;
    private final CapacityPlanner planner;

    public DedicatedVolumes(ControllerConfig config, LustreFileSystems fileSystems, CapacityPlanner planner) {
        this.config = config;
        this.fileSystems = fileSystems;
        this.planner = planner;
    }

    @Override
    public String lockKey(NewVolume request) {
        return request.namespace() + "/" + FileSystemSpecs.dedicatedResourceName(request.name());
    }

    @Override
    public Volume create(NewVolume request) {
        String name = request.name();
        String resource = FileSystemSpecs.dedicatedResourceName(name);
        long capacity = request.capacityBytes();
        long limit = request.limitBytes();
        StorageClassParameters params = request.params();
        String namespace = request.namespace();
        String fingerprint = request.fingerprint();
        String pvc = request.pvc();
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
        return volume(id, recorded.capacityBytes(), usable, recorded.mountOptions());
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

    @Override
    public void delete(VolumeId id) {
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

    @Override
    public long expand(VolumeId id, long wanted) {
        LustreFileSystem fs =
                fileSystems.named(id).filter(DedicatedVolume::isDedicated).orElseThrow(() -> notFound(id));
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

    /**
     * The new capacity once the operator reports the OSTs behind it Ready; until then UNAVAILABLE (the resizer
     * retries).
     */
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

    @Override
    public Optional<Described> describe(VolumeId id) {
        if (!id.isManaged()) {
            return Optional.empty();
        }
        Optional<LustreFileSystem> fs = fileSystems.named(id);
        if (fs.isEmpty() || !DedicatedVolume.isDedicated(fs.get())) {
            return Optional.empty();
        }
        return Optional.of(describe(fs.get()));
    }

    /** Every dedicated volume with an id from {@code token} on, in id order. */
    List<Described> listFrom(String token, LustreFileSystems.Listing fileSystemsNow) {
        List<Described> dedicated = new ArrayList<>();
        for (LustreFileSystem fs : fileSystemsNow.dedicated()) {
            Described d = describe(fs);
            if (token.isEmpty() || d.volume().getVolumeId().compareTo(token) >= 0) {
                dedicated.add(d);
            }
        }
        dedicated.sort((a, b) -> a.volume().getVolumeId().compareTo(b.volume().getVolumeId()));
        return dedicated;
    }

    /** What a dedicated volume of this class can have: the largest filesystem the class allows. */
    long available(StorageClassParameters params) {
        return FileSystemSpecs.sizing(params).maxCapacityBytes();
    }

    private Described describe(LustreFileSystem fs) {
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

    private LustreFileSystem awaitUsable(LustreFileSystem fs, String what) {
        return ManagedVolumes.awaitUsable(fileSystems, config, fs, what);
    }
}
