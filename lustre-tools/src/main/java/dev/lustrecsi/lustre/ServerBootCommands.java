package dev.lustrecsi.lustre;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Command lines a Lustre server VM runs at boot to bring up LNet and mount its targets. (The CSI node
 * plugin has its own client-side builders; these are the server side.)
 */
public final class ServerBootCommands {

    private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern LNET_NET = Pattern.compile("(tcp|o2ib)\\d{0,3}");

    private final ToolPaths paths;

    public ServerBootCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** Loads the Lustre server stack (pulls in lnet). */
    public List<String> loadLustreModules() {
        return List.of(paths.modprobe(), "lustre");
    }

    public List<String> lnetConfigure() {
        return List.of(paths.lnetctl(), "lnet", "configure");
    }

    /**
     * {@code lnetctl net show --net <net>}: YAML listing the network's NIs ({@code - nid: 10.0.2.15@tcp}). Decide by
     * that output, not the exit code: 2.17.0 exits 234 with {@code errno: -3} for a missing net (real transcripts
     * 008/009), but the exit code of a show that matched nothing is not the same in every release.
     */
    public List<String> lnetShowNet(String lnetNet) {
        return List.of(paths.lnetctl(), "net", "show", "--net", requireNet(lnetNet));
    }

    /** {@code lnetctl net add --net tcp --if lnet0}. */
    public List<String> lnetAddNet(String lnetNet, String iface) {
        if (iface == null || !IFACE.matcher(iface).matches()) {
            throw new IllegalArgumentException("invalid interface name: " + iface);
        }
        return List.of(paths.lnetctl(), "net", "add", "--net", requireNet(lnetNet), "--if", iface);
    }

    /**
     * Prints the type of any filesystem signature on the device and exits 0, or exits 2 when the device is
     * blank (blkid(8): low-level probing, so a fresh disk is never mistaken for a formatted one via a cache).
     */
    public List<String> probeSignature(String device) {
        return List.of("blkid", "-p", "-s", "TYPE", "-o", "value", MkfsLustreCommands.requireDevice(device));
    }

    /**
     * The filesystem label of the device ({@code blkid -p -s LABEL -o value}). mkfs.lustre's ldiskfs backend
     * runs {@code mke2fs -L <svname>} first and writes the Lustre configuration afterwards, and the svname of a
     * target not yet registered is {@code fsname:OST0002} (lustre-release lustre/utils/libmount_utils_ldiskfs.c
     * ldiskfs_make_lustre, mkfs_lustre.c; "Target: csifs:OST0003" in a real 2.17.0 {@code mkfs.lustre --dryrun}).
     * So a device with that label but no Lustre configuration is one our own first format left half done.
     */
    public List<String> probeLabel(String device) {
        return List.of("blkid", "-p", "-s", "LABEL", "-o", "value", MkfsLustreCommands.requireDevice(device));
    }

    /**
     * {@code tunefs.lustre --dryrun <device>}: exit 0 when the device holds a complete Lustre target (its
     * configuration is the last thing mkfs.lustre writes); 19 "has not been formatted with mkfs.lustre" otherwise
     * (real 2.17.0 transcript). Reads only: --dryrun exits before any disk write.
     */
    public List<String> checkLustreTarget(String device) {
        return List.of("tunefs.lustre", "--dryrun", MkfsLustreCommands.requireDevice(device));
    }

    /**
     * {@code dumpe2fs -h <device>}: the ldiskfs superblock, read only (no MMP wait: dumpe2fs opens the device
     * read-only). Its {@code Filesystem features:} line lists the features space-separated, {@code mmp} among them
     * when multiple mount protection is on (e2fsprogs lib/e2p/ls.c list_super2, print_features).
     */
    public List<String> readSuperblock(String device) {
        return List.of("dumpe2fs", "-h", MkfsLustreCommands.requireDevice(device));
    }

    /**
     * The recovery state of a mounted MDT or OST: {@code lctl get_param -n mdt.<target>.recovery_status}
     * (or {@code obdfilter.}). Its first line is {@code status: COMPLETE}, {@code RECOVERING} or {@code INACTIVE}
     * (Lustre Operations Manual, "Lustre Recovery": recovery_status).
     */
    public List<String> recoveryStatus(String targetName) {
        return List.of(
                paths.lctl(),
                "get_param",
                "-n",
                deviceFamily(targetName) + "." + requireTarget(targetName) + ".recovery_status");
    }

    /**
     * {@code lctl set_param mdt.<target>.identity_upcall=NONE}: the MDT takes the uid/gid a client sends instead
     * of looking every uid up with {@code l_getidentity} on the MDS, where a pod's arbitrary uid has no passwd
     * entry and gets "Permission denied" on every create (real 2.17.0 transcripts 095-099; Lustre Operations
     * Manual, "User/Group Upcall": NONE disables the upcall and trusts the client's supplementary groups).
     */
    public List<String> trustClientIdentities(String mdtName) {
        if (!requireTarget(mdtName).contains("-MDT")) {
            throw new IllegalArgumentException("identity_upcall is an MDT parameter: " + mdtName);
        }
        return List.of(paths.lctl(), "set_param", "mdt." + mdtName + ".identity_upcall=NONE");
    }

    /**
     * {@code lctl set_param osd-*.<target>.quota_slave.root_prj_enable=1}: project quota binds root too. It is 0
     * by default, and with 0 root wrote 20 MiB more into a project already over its hard limit while a non-root
     * writer got "Disk quota exceeded" (real 2.17.0 transcripts 100-110). Pods commonly run as root.
     */
    public List<String> enforceProjectQuotaForRoot(String targetName) {
        return List.of(
                paths.lctl(), "set_param", "osd-*." + requireTarget(targetName) + ".quota_slave.root_prj_enable=1");
    }

    private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,7}-(MDT|OST)[0-9a-f]{4}");

    private static String requireTarget(String name) {
        if (name == null || !TARGET.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid target name: " + name);
        }
        return name;
    }

    private static String deviceFamily(String targetName) {
        return requireTarget(targetName).contains("-MDT") ? "mdt" : "obdfilter";
    }

    /** Starts a server target: {@code mount -t lustre <device> <dir>}. */
    public List<String> mountTarget(String device, String mountPoint) {
        return List.of(paths.mount(), "-t", "lustre", MkfsLustreCommands.requireDevice(device), requireDir(mountPoint));
    }

    /** {@code mount -t lustre -o <options> <device> <dir>}; no options: {@link #mountTarget(String, String)}. */
    public List<String> mountTarget(String device, String mountPoint, List<String> options) {
        if (options.isEmpty()) {
            return mountTarget(device, mountPoint);
        }
        for (String o : options) {
            if (!o.matches("[a-z_]{1,32}")) {
                throw new IllegalArgumentException("invalid target mount option: " + o);
            }
        }
        return List.of(
                paths.mount(),
                "-t",
                "lustre",
                "-o",
                String.join(",", options),
                MkfsLustreCommands.requireDevice(device),
                requireDir(mountPoint));
    }

    /** A client mount of the whole filesystem on a server (used by the MDS to migrate objects off OSTs). */
    public List<String> mountClient(MgsNids mgs, FsName fsName, String mountPoint) {
        return List.of(paths.mount(), "-t", "lustre", mgs + ":/" + fsName, requireDir(mountPoint));
    }

    /** {@code mountpoint -q <dir>}: exit 0 when something is mounted there already. */
    public List<String> isMounted(String mountPoint) {
        return List.of("mountpoint", "-q", requireDir(mountPoint));
    }

    private static String requireNet(String net) {
        if (net == null || !LNET_NET.matcher(net).matches()) {
            throw new IllegalArgumentException("invalid LNet network: " + net);
        }
        return net;
    }

    private static String requireDir(String dir) {
        if (dir == null || !dir.startsWith("/") || dir.contains("..")) {
            throw new IllegalArgumentException("mount point must be an absolute path: " + dir);
        }
        return dir;
    }
}
