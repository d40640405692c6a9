package dev.lustrecsi.model;

/** What DeleteVolume does with a shared-pool volume's directory (StorageClass parameter {@code onDelete}). */
public enum VolumeReclaim {
    /** Remove the directory tree. */
    Delete,
    /** Clear its project id and move it under the pool's {@code .csi-archive}. */
    Archive
}
