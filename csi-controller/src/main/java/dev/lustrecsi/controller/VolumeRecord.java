package dev.lustrecsi.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the controller durably knows about one shared-pool volume (an entry of the pool's {@link PoolLedger}).
 *
 * @param projectId     the Lustre project id of the volume's directory (its quota)
 * @param capacityBytes the quota, i.e. the volume's size; the pool's planned capacity is the sum of these
 * @param parameters    fingerprint of the StorageClass parameters it was created with (ALREADY_EXISTS check)
 * @param state         {@code Creating} until the directory and quota exist, {@code Ready}, or {@code Deleting}
 * @param onDelete      {@code delete} or {@code archive}: how DeleteVolume reclaims the data
 * @param stripeCount   default stripe count set on the directory (0: filesystem default)
 * @param stripeSize    default stripe size in bytes (0: filesystem default)
 * @param directoryMode permission bits of the directory
 * @param mountOptions  comma-separated client mount options for the volume context
 * @param pvc           {@code namespace/name} of the claim it was made for, when the provisioner said
 *                      ({@code --extra-create-metadata}); lets {@link OrphanCollector} tell abandoned reservations
 * @param createdAt     when it was reserved (ISO-8601)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record VolumeRecord(long projectId, long capacityBytes, String parameters, String state, String onDelete,
                           int stripeCount, long stripeSize, int directoryMode, String mountOptions, String pvc,
                           String createdAt) {

    public static final String CREATING = "Creating";
    public static final String READY = "Ready";
    public static final String DELETING = "Deleting";

    public VolumeRecord withState(String newState) {
        return new VolumeRecord(projectId, capacityBytes, parameters, newState, onDelete, stripeCount, stripeSize,
                directoryMode, mountOptions, pvc, createdAt);
    }

    public VolumeRecord withCapacity(long newCapacity) {
        return new VolumeRecord(projectId, newCapacity, parameters, state, onDelete, stripeCount, stripeSize,
                directoryMode, mountOptions, pvc, createdAt);
    }

    public boolean archiveOnDelete() {
        return "archive".equals(onDelete);
    }
}
