package dev.lustrecsi.controller;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeCondition;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NetworkType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What both managed volume kinds ({@link SharedPoolVolumes}, {@link DedicatedVolumes}) answer alike: the CSI
 * {@link Volume} of a filesystem, its condition, the wait for a filesystem to become usable, and the statuses
 * their refusals share. Statuses are thrown as {@link StatusRuntimeException}s; csi-api's GrpcErrors answers them.
 */
final class ManagedVolumes {
    private ManagedVolumes() {}

    /** A volume as ListVolumes, ControllerGetVolume and ValidateVolumeCapabilities see it. */
    record Described(Volume volume, VolumeCondition condition) {}

    static VolumeCondition condition(String problem) {
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

    static NetworkType networkOf(LustreFileSystem fs) {
        return fs.getSpec().getNetwork() == null || fs.getSpec().getNetwork().getType() == null
                ? NetworkType.TCP
                : fs.getSpec().getNetwork().getType();
    }

    static Volume volume(VolumeId id, long capacity, LustreFileSystem fs, String mountOptions) {
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

    static MgsNids mgsNids(LustreFileSystem fs) {
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

    static VolumeId volumeId(String namespace, String filesystem, String fsName, String subdir) {
        try {
            return new VolumeId(namespace, filesystem, fsName, subdir);
        } catch (IllegalArgumentException e) {
            throw invalid("cannot form a volume id: " + e.getMessage());
        }
    }

    /** An existing volume answers a repeated create only if its size is within the requested range. */
    static void requireCompatibleSize(String name, long existing, long required, long limit) {
        if (existing < required || (limit > 0 && existing > limit)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists with " + existing + " bytes, outside the requested "
                            + required + ".." + (limit > 0 ? limit : "unlimited") + " bytes")
                    .asRuntimeException();
        }
    }

    static int exhaustedAsStatus(Supplier<Integer> plan, String what) {
        try {
            return plan.get();
        } catch (CapacityPlanner.CapacityExhaustedException e) {
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription("cannot size " + what + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    /** The filesystem once usable; ABORTED if it was deleted meanwhile, UNAVAILABLE (retried) if not usable yet. */
    static LustreFileSystem awaitUsable(
            LustreFileSystems fileSystems, ControllerConfig config, LustreFileSystem fs, String what) {
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

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException notFound(VolumeId id) {
        return Status.NOT_FOUND
                .withDescription("volume " + id + " does not exist")
                .asRuntimeException();
    }
}
