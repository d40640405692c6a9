package dev.lustrecsi.provisioner.topology;

import dev.lustrecsi.model.TargetKind;

/**
 * One target the filesystem needs: its Lustre name, the VM disk that carries it and the PVC behind that disk.
 * The disk serial is what the guest sees in {@code /dev/disk/by-id/virtio-<serial>}, so the boot script
 * finds the right disk whatever order the kernel enumerates them in.
 *
 * @param combinedWithMgs an MDT0 that also holds the MGS (one disk, {@code mkfs.lustre --mgs --mdt})
 */
public record TargetPlan(
        String name,
        TargetKind kind,
        int index,
        String diskName,
        String pvcName,
        long sizeBytes,
        boolean combinedWithMgs) {

    public String serial() {
        // virtio-blk serials hold 20 bytes; fsname (<=8) + "-OST0000" fits.
        return name;
    }

    public String devicePath() {
        return "/dev/disk/by-id/virtio-" + serial();
    }

    public String mountPoint() {
        return "/lustre/targets/" + name;
    }
}
