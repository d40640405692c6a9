package dev.lustrecsi.csi;

/**
 * Keys of the CSI volume_context the controller returns (and a static PV's volumeAttributes
 * carry): everything the node plugin needs to mount without asking the API server.
 */
public final class VolumeContextKeys {
    /** MGS NIDs in mount-source syntax, e.g. {@code 10.0.0.1@tcp:10.0.0.2@tcp}. */
    public static final String MGS_NIDS = "mgsNids";
    /** The Lustre filesystem name (1-8 characters). */
    public static final String FS_NAME = "fsName";
    /** Subdirectory of the filesystem that is the volume (fileset mount); absent for a whole filesystem. */
    public static final String SUBDIR = "subdir";
    /** Comma-separated extra mount options, each on the node plugin's allow-list. */
    public static final String MOUNT_OPTIONS = "mountOptions";
    /** LNet network type the servers are reached on: {@code tcp} or {@code o2ib}. */
    public static final String NETWORK = "network";

    private VolumeContextKeys() {}
}
