package dev.lustrecsi.model;

/** Where a shared-pool volume is in its life, as recorded in its {@link LustreVolume}. */
public enum VolumeState {
    /** Reserved (project id and size count for the pool) but its directory or quota is not finished yet. */
    Creating,
    /** Directory, project id and quota exist; CreateVolume has answered or will answer with it. */
    Ready,
    /** DeleteVolume started: the directory is being removed or archived; a create of the same name waits. */
    Deleting
}
