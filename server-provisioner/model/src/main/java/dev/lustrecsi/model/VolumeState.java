package dev.lustrecsi.model;

/** Where a shared-pool volume is in its life, as recorded in its {@link LustreVolume}. */
public enum VolumeState {
    /** Reserved (project id and size count for the pool) but its directory or quota is not finished yet. */
    Creating,
    /**
     * A clone: directory, project id and quota exist and the source volume's tree is being copied into it (the
     * record's {@code sourceVolume} names the source). CreateVolume answers ABORTED (operation pending) until Ready.
     */
    Cloning,
    /** Directory, project id and quota exist (and a clone's copy is complete); CreateVolume answers with it. */
    Ready,
    /** DeleteVolume started: the directory is being removed or archived; a create of the same name waits. */
    Deleting
}
