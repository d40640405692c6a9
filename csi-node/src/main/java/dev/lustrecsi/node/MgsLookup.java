package dev.lustrecsi.node;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.lustre.MgsNids;
import java.util.Optional;

/**
 * Where a volume's MGS is now. On the pod network a server VM gets a new address with every virt-launcher pod,
 * so the NIDs frozen into a PV's volume context at CreateVolume go stale; the operator keeps the current ones in
 * its LustreFileSystem's status. Empty when the volume's filesystem is not one the driver manages (static
 * volumes), or its status cannot be read now: the caller then mounts with the volume context's NIDs.
 */
@FunctionalInterface
public interface MgsLookup {
    /** No API access ({@code --kubernetes-api=off}, or outside a cluster): always the volume context. */
    MgsLookup NONE = id -> Optional.empty();

    Optional<MgsNids> current(VolumeId id);
}
