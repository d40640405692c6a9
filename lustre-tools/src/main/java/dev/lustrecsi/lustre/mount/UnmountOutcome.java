package dev.lustrecsi.lustre.mount;

/** How {@link Mounter#unmount} got a mount point free. */
public enum UnmountOutcome {
    /** Nothing was mounted there. */
    NOT_MOUNTED,
    /** A normal unmount. */
    UNMOUNTED,
    /** Only a forced unmount (MNT_FORCE: in-flight requests to the servers aborted) worked. */
    FORCED,
    /** The mount was detached lazily (MNT_DETACH): gone from the namespace, torn down once no longer busy. */
    DETACHED
}
