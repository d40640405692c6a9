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

    /** Whether the LNet network already exists (exit 0 with output) – boots after the first are re-runs. */
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

    /** Starts a server target: {@code mount -t lustre <device> <dir>}. */
    public List<String> mountTarget(String device, String mountPoint) {
        return List.of(paths.mount(), "-t", "lustre", MkfsLustreCommands.requireDevice(device), requireDir(mountPoint));
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
