package dev.lustrecsi.lustre;

/**
 * The OBD device budget of a Lustre client node. Every client mount creates its own devices: one {@code lov} and
 * one {@code lmv}, one {@code mdc} per MDT and one {@code osc} per OST (real 2.17.0 transcript 029, {@code lctl dl}
 * of a mount of one MDT and two OSTs: lov, lmv, mdc, osc, osc); the {@code mgc} is one per MGS, shared by all
 * mounts. Lustre up to 2.15 keeps the devices in a fixed table of {@link #MAX_OBD_DEVICES} entries
 * (lustre/include/obd.h {@code #define MAX_OBD_DEVICES 8192}, {@code obd_devs[MAX_OBD_DEVICES]} in
 * lustre/obdclass/genops.c); a mount that finds no free slot fails. lustre-release master keeps them in an
 * xarray without that bound (its obd.h no longer defines MAX_OBD_DEVICES); the budget here is the 2.15 one.
 */
public final class ObdDevices {
    /** Entries of the device table (lustre/include/obd.h, Lustre 2.15). */
    public static final int MAX_OBD_DEVICES = 8192;
    /** Kept free for MGCs (one per MGS) and devices of other software on the node (e.g. a server stack). */
    public static final int RESERVED = 64;

    private ObdDevices() {}

    /** Devices one client mount of a filesystem with these targets takes: lov + lmv + an mdc per MDT + an osc per OST. */
    public static int perClientMount(int mdts, int osts) {
        if (mdts < 1 || osts < 1) {
            throw new IllegalArgumentException(
                    "a filesystem has at least one MDT and one OST, got " + mdts + "/" + osts);
        }
        return 2 + mdts + osts;
    }

    /** How many client mounts of such filesystems fit in the device table. */
    public static int maxClientMounts(int mdts, int osts) {
        return (MAX_OBD_DEVICES - RESERVED) / perClientMount(mdts, osts);
    }
}
