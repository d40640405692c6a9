package dev.lustrecsi.testing.csi;

import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeCapability;
import java.util.List;
import java.util.Map;

/**
 * CSI requests as the external-provisioner and kubelet make them for a Lustre volume (mount access; the undo of a
 * stage or publish names what that call named), so that a test spells out only what it is about.
 */
public final class CsiRequests {
    private CsiRequests() {}

    /** Mount access in {@code mode} with the given mount flags (a PV's {@code mountOptions}). */
    public static VolumeCapability mountCapability(VolumeCapability.AccessMode.Mode mode, String... flags) {
        return VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder().addAllMountFlags(List.of(flags)))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode))
                .build();
    }

    /** Mount access with fsType {@code lustre}, as the external-provisioner passes a PVC's. */
    public static VolumeCapability lustreCapability(VolumeCapability.AccessMode.Mode mode) {
        return VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("lustre"))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode))
                .build();
    }

    /** CreateVolume for a ReadWriteMany claim named {@code name} of {@code bytes}, with a StorageClass's parameters. */
    public static CreateVolumeRequest.Builder create(String name, long bytes, Map<String, String> parameters) {
        return CreateVolumeRequest.newBuilder()
                .setName(name)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes))
                .addVolumeCapabilities(lustreCapability(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                .putAllParameters(parameters);
    }

    /** The NodeUnstageVolume that undoes {@code stage}. */
    public static NodeUnstageVolumeRequest unstage(NodeStageVolumeRequest stage) {
        return NodeUnstageVolumeRequest.newBuilder()
                .setVolumeId(stage.getVolumeId())
                .setStagingTargetPath(stage.getStagingTargetPath())
                .build();
    }

    /** The NodeUnpublishVolume that undoes {@code publish}. */
    public static NodeUnpublishVolumeRequest unpublish(NodePublishVolumeRequest publish) {
        return NodeUnpublishVolumeRequest.newBuilder()
                .setVolumeId(publish.getVolumeId())
                .setTargetPath(publish.getTargetPath())
                .build();
    }
}
