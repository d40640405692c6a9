package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.v1.Volume;
import java.util.Optional;

/**
 * One kind of volume this driver manages ({@link SharedPoolVolumes}, {@link DedicatedVolumes}): the RPC layer
 * ({@link ControllerService}) checks a request, takes the volume's lock ({@link VolumeKinds#lockKey}) and calls
 * one of these. Refusals are thrown as gRPC statuses.
 */
interface VolumeKind {

    /**
     * A CreateVolume the RPC layer has checked: every field valid, the StorageClass parameters parsed.
     * {@code source}: for a clone ({@link VolumeClones}), the name of the volume of the same pool it copies; else
     * null.
     */
    record NewVolume(
            String name,
            long capacityBytes,
            long limitBytes,
            StorageClassParameters params,
            String namespace,
            String fingerprint,
            String pvc,
            String source) {

        /** This request as a clone of {@code sourceVolume}, {@code bytes} large. */
        NewVolume asCloneOf(String sourceVolume, long bytes) {
            return new NewVolume(name, bytes, limitBytes, params, namespace, fingerprint, pvc, sourceVolume);
        }
    }

    /** The lock a create holds: the same key as its volume id's ({@link VolumeKinds#lockKey}). */
    String lockKey(NewVolume request);

    /** Creates the volume, or answers the one a previous identical create made. Idempotent. */
    Volume create(NewVolume request);

    /** Deletes the volume; a volume that is already gone is no error. Idempotent. */
    void delete(VolumeId id);

    /** Grows the volume to at least {@code wantedBytes}; returns its capacity. Idempotent. */
    long expand(VolumeId id, long wantedBytes);

    /** The volume as it is now; empty if it does not exist. */
    Optional<ManagedVolumes.Described> describe(VolumeId id);
}
