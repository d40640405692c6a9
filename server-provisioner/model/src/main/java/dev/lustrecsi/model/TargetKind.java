package dev.lustrecsi.model;

/** Kinds of Lustre targets (formatted disks). */
public enum TargetKind {
    /** Management target; combined with MDT0 on one disk when the MGS is co-located. */
    MGT,
    MDT,
    OST
}
