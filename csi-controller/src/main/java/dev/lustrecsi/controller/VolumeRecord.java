package dev.lustrecsi.controller;

import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import java.util.Objects;

/**
 * What the controller durably knows about one shared-pool volume: the typed form of its {@code LustreVolume}
 * ({@link VolumeRecords} is the one reader and writer of that object).
 *
 * @param projectId     the Lustre project id of the volume's directory (its quota)
 * @param capacityBytes the quota, i.e. the volume's size; the pool's planned capacity is the sum of these
 * @param parameters    fingerprint of the StorageClass parameters it was created with (ALREADY_EXISTS check)
 * @param state         Creating until the directory and quota exist, Ready, or Deleting
 * @param onDelete      how DeleteVolume reclaims the data
 * @param stripeCount   default stripe count set on the directory (0: filesystem default)
 * @param stripeSize    default stripe size in bytes (0: filesystem default)
 * @param directoryMode permission bits of the directory
 * @param mountOptions  comma-separated client mount options for the volume context
 * @param pvc           {@code namespace/name} of the claim it was made for, when the provisioner said
 *                      ({@code --extra-create-metadata}); lets {@link OrphanCollector} tell abandoned reservations
 * @param createdAt     when it was reserved (ISO-8601)
 * @param source        for a clone, the name of the volume of the same pool it is copied from; null otherwise
 */
public record VolumeRecord(
        long projectId,
        long capacityBytes,
        String parameters,
        VolumeState state,
        VolumeReclaim onDelete,
        int stripeCount,
        long stripeSize,
        int directoryMode,
        String mountOptions,
        String pvc,
        String createdAt,
        String source) {

    public VolumeRecord {
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(onDelete, "onDelete");
        if (projectId < 1 || capacityBytes < 0) {
            throw new IllegalArgumentException(
                    "invalid record: project id " + projectId + ", capacity " + capacityBytes);
        }
    }

    public VolumeRecord withState(VolumeState newState) {
        return copy(projectId, capacityBytes, newState, source);
    }

    public VolumeRecord withCapacity(long newCapacity) {
        return copy(projectId, newCapacity, state, source);
    }

    public VolumeRecord withProjectId(long newProjectId) {
        return copy(newProjectId, capacityBytes, state, source);
    }

    public boolean archiveOnDelete() {
        return onDelete == VolumeReclaim.Archive;
    }

    /** The same record as a clone of {@code sourceVolume} (null: not a clone). */
    public VolumeRecord withSource(String sourceVolume) {
        return copy(projectId, capacityBytes, state, sourceVolume);
    }

    /** This record with the fields the withers change; the others as they are. */
    private VolumeRecord copy(long newProjectId, long newCapacity, VolumeState newState, String newSource) {
        return new VolumeRecord(
                newProjectId,
                newCapacity,
                parameters,
                newState,
                onDelete,
                stripeCount,
                stripeSize,
                directoryMode,
                mountOptions,
                pvc,
                createdAt,
                newSource);
    }
}
