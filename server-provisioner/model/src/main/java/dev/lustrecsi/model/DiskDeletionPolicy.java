package dev.lustrecsi.model;

/** What happens to the target disks (PVCs) when the LustreFileSystem is deleted. */
public enum DiskDeletionPolicy {
    /**
     * Keep the PVCs (and so the data); they lose their owner and can be re-adopted by a new resource of the same
     * name.
     */
    Retain,
    /** Delete the PVCs with the filesystem. */
    Delete
}
