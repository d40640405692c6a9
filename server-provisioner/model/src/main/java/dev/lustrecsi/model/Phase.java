package dev.lustrecsi.model;

/** Where a {@link LustreFileSystem} is in its life, as shown by {@code kubectl get lustrefs}. */
public enum Phase {
    /** Accepted but nothing created yet, or the spec is invalid (see the {@code SpecValid} condition). */
    Pending,
    /** Servers are being created and targets formatted for the first time. */
    Provisioning,
    /** Every target is mounted and every server VM is ready. */
    Ready,
    /** A server that was ready is not (lost VM, failed boot); the operator is bringing it back. */
    Degraded,
    /** OSTs are being added, or drained and removed. */
    Scaling,
    /** Servers are being restarted one at a time on a new Lustre version. */
    Upgrading,
    /** The resource is being deleted; VMs (and disks, if the policy says so) are being removed. */
    Deleting
}
