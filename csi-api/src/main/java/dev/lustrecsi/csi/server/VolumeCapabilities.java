package dev.lustrecsi.csi.server;

import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeCapability.AccessMode.Mode;
import dev.lustrecsi.lustre.LustreMountOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Set;

/**
 * The one check of a volume capability, for the controller (CreateVolume, ValidateVolumeCapabilities,
 * GetCapacity, ControllerExpandVolume) and the node plugin (stage, publish) alike, with the same messages: mount
 * access only (Lustre volumes are filesystems), fs_type empty or {@code lustre}, a known access mode, and mount
 * flags from {@link LustreMountOptions}. Every failure is INVALID_ARGUMENT.
 */
public final class VolumeCapabilities {
    /** Every access mode a shared filesystem can serve (CSI spec, VolumeCapability.AccessMode). */
    public static final Set<Mode> SUPPORTED_MODES = Set.of(
            Mode.SINGLE_NODE_WRITER,
            Mode.SINGLE_NODE_READER_ONLY,
            Mode.MULTI_NODE_READER_ONLY,
            Mode.MULTI_NODE_SINGLE_WRITER,
            Mode.MULTI_NODE_MULTI_WRITER,
            Mode.SINGLE_NODE_SINGLE_WRITER,
            Mode.SINGLE_NODE_MULTI_WRITER);
    /** Modes that only ever read: the node mounts these read-only. */
    public static final Set<Mode> READ_ONLY_MODES = Set.of(Mode.SINGLE_NODE_READER_ONLY, Mode.MULTI_NODE_READER_ONLY);

    private VolumeCapabilities() {}

    /** A repeated {@code volume_capabilities} field: required, and each one valid. */
    public static void requireAll(List<VolumeCapability> capabilities) {
        if (capabilities.isEmpty()) {
            throw invalid("volume_capabilities is required");
        }
        for (VolumeCapability c : capabilities) {
            check(c);
        }
    }

    /** A single {@code volume_capability} field: required, and valid. */
    public static VolumeCapability require(boolean present, VolumeCapability capability) {
        if (!present) {
            throw invalid("volume_capability is required");
        }
        return check(capability);
    }

    /** One capability, whatever field it came from. */
    public static VolumeCapability check(VolumeCapability c) {
        if (c.hasBlock()) {
            throw invalid("block access is not supported: Lustre volumes are filesystems");
        }
        if (!c.hasMount()) {
            throw invalid("a volume capability needs mount access");
        }
        String fsType = c.getMount().getFsType();
        if (!fsType.isEmpty() && !fsType.equals("lustre")) {
            throw invalid("fs_type '" + GrpcErrors.quote(fsType, 80) + "' is not supported (only lustre)");
        }
        if (!c.hasAccessMode() || !SUPPORTED_MODES.contains(c.getAccessMode().getMode())) {
            throw invalid("a volume capability needs a known access mode, not "
                    + c.getAccessMode().getMode());
        }
        try {
            LustreMountOptions.check(c.getMount().getMountFlagsList());
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return c;
    }

    public static boolean readOnly(VolumeCapability c) {
        return READ_ONLY_MODES.contains(c.getAccessMode().getMode());
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
