package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code mkfs.lustre} command lines that format server targets (see mkfs.lustre(8) and the Lustre
 * Operations Manual, "Configuring a Lustre File System"). The caller is responsible for formatting only
 * blank devices: these lines never pass {@code --reformat} ({@link #reformatting} adds it explicitly).
 */
public final class MkfsLustreCommands {

    private final ToolPaths paths;

    public MkfsLustreCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** A stand-alone management target: {@code mkfs.lustre --mgs <device>}. */
    public List<String> formatMgt(String device) {
        return List.of(paths.mkfsLustre(), "--mgs", requireDevice(device));
    }

    /** MGS and MDT0 combined on one device: {@code mkfs.lustre --fsname=F --mgs --mdt --index=0 <device>}. */
    public List<String> formatMgtAndMdt0(FsName fsName, String device) {
        return List.of(paths.mkfsLustre(), "--fsname=" + fsName, "--mgs", "--mdt", "--index=0", requireDevice(device));
    }

    /** {@code mkfs.lustre --fsname=F --mdt --index=I --mgsnode=NIDS <device>}. */
    public List<String> formatMdt(FsName fsName, int index, MgsNids mgs, String device) {
        return target("--mdt", fsName, index, mgs, device);
    }

    /** {@code mkfs.lustre --fsname=F --ost --index=I --mgsnode=NIDS <device>}. */
    public List<String> formatOst(FsName fsName, int index, MgsNids mgs, String device) {
        return target("--ost", fsName, index, mgs, device);
    }

    private List<String> target(String kind, FsName fsName, int index, MgsNids mgs, String device) {
        if (index < 0 || index > 0xffff) {
            throw new IllegalArgumentException("target index out of range: " + index);
        }
        Objects.requireNonNull(mgs, "MGS NIDs");
        List<String> argv =
                new ArrayList<>(List.of(paths.mkfsLustre(), "--fsname=" + fsName, kind, "--index=" + index));
        // One --mgsnode per MGS node; the NIDs of one node are comma-joined (mkfs.lustre(8)).
        for (List<Nid> node : mgs.nodes()) {
            argv.add("--mgsnode="
                    + String.join(",", node.stream().map(Nid::toString).toList()));
        }
        argv.add(requireDevice(device));
        return List.copyOf(argv);
    }

    /**
     * The same format line with {@code --reformat}, which mkfs.lustre needs to overwrite a device that already
     * holds a filesystem. Only for a device the caller proved to be its own interrupted first format.
     */
    public static List<String> reformatting(List<String> formatCommand) {
        if (formatCommand.size() < 2 || formatCommand.contains("--reformat")) {
            throw new IllegalArgumentException("not a mkfs.lustre line: " + formatCommand);
        }
        List<String> argv = new ArrayList<>(formatCommand);
        argv.add(1, "--reformat");
        return List.copyOf(argv);
    }

    /**
     * {@code format} with ldiskfs multiple mount protection: {@code --mkfsoptions=-O mmp} before the device. A
     * target that can be started on another node (a server VM restarted elsewhere after its node was lost) must
     * refuse a second mount while the first host may still write: with MMP, mount of a target whose MMP block
     * another host keeps updating fails instead of corrupting it. mkfs.lustre enables MMP by itself only when
     * failover NIDs are given (lustre/utils/libmount_utils_ldiskfs.c, enable_default_ext4_features: "Multiple
     * mount protection enabled only if failover node specified"); our servers keep one NID and move, so it is
     * asked for explicitly. mkfs.lustre refuses a second {@code -O} (same file: "don't specify multiple -O
     * options") and appends its own features to this one. One argv element: the space is part of the option.
     */
    public static List<String> withMultiMountProtection(List<String> format) {
        if (format.isEmpty() || format.stream().anyMatch(a -> a.startsWith("--mkfsoptions"))) {
            throw new IllegalArgumentException("expected a mkfs.lustre line without --mkfsoptions: " + format);
        }
        String device = requireDevice(format.get(format.size() - 1));
        List<String> argv = new ArrayList<>(format.subList(0, format.size() - 1));
        argv.add("--mkfsoptions=-O mmp");
        argv.add(device);
        return List.copyOf(argv);
    }

    /**
     * The label mkfs.lustre gives the ldiskfs it creates before the target first registers: {@code MGS} for a
     * stand-alone MGT, {@code fsname:MDT0000} / {@code fsname:OST0002} otherwise (server_make_name in lustre-release
     * lustre/utils: ':' marks a virgin target; "Target: csifs:OST0003" in a real 2.17.0 dryrun).
     */
    public static String firstFormatLabel(FsName fsName, String kind, int index) {
        if (kind.equals("MGT")) {
            return "MGS";
        }
        return targetName(fsName, kind, index).replace("-" + kind, ":" + kind);
    }

    /**
     * {@code format} for a target that a pair of servers can serve: one {@code --servicenode=<nids>} per server
     * (its NIDs comma-joined) before the device, as in mkfs.lustre(8) ("NID(s) of service partners; treat nodes
     * as equal service node, mutually exclusive with --failnode"). mkfs.lustre records them as
     * {@code failover.node=<a>:<b>} (real transcript 210-mkfs.lustre-dryrun-ost.txt, Lustre 2.17) and, on ldiskfs,
     * turns MMP on by itself (failover specified). Clients then try the servers in turn.
     */
    public static List<String> withServiceNodes(List<String> format, List<List<Nid>> servers) {
        if (servers == null || servers.size() < 2) {
            throw new IllegalArgumentException("a service node pair needs at least two servers: " + servers);
        }
        if (format.isEmpty()
                || format.stream().anyMatch(a -> a.startsWith("--servicenode") || a.startsWith("--failnode"))) {
            throw new IllegalArgumentException(
                    "expected a mkfs.lustre line without service or failover nodes: " + format);
        }
        String device = requireDevice(format.get(format.size() - 1));
        List<String> argv = new ArrayList<>(format.subList(0, format.size() - 1));
        for (List<Nid> server : servers) {
            if (server.isEmpty()) {
                throw new IllegalArgumentException("a service node without NIDs");
            }
            argv.add("--servicenode="
                    + String.join(",", server.stream().map(Nid::toString).toList()));
        }
        argv.add(device);
        return List.copyOf(argv);
    }

    /**
     * Turns MMP on for an ldiskfs target formatted without it: {@code tune2fs -O mmp <device>}, on the unmounted
     * device (tune2fs(8), e2fsprogs; its test t_mmp_1on does exactly this).
     */
    public static List<String> enableMultiMountProtection(String device) {
        return List.of("tune2fs", "-O", "mmp", requireDevice(device));
    }

    /**
     * The ZFS equivalent for a pool-backed target: {@code zpool set multihost=on <pool>} (zpoolprops(7); needs a
     * host id, {@code zgenhostid}, unique per server VM). An imported pool then refuses an import elsewhere while
     * its uberblock is being updated.
     */
    public static List<String> zpoolMultihost(String pool) {
        if (pool == null || !pool.matches("[A-Za-z][A-Za-z0-9_.:-]{0,254}")) {
            throw new IllegalArgumentException("not a zpool name: " + pool);
        }
        return List.of("zpool", "set", "multihost=on", pool);
    }

    /** Lustre's name for a target: {@code fsname-OST000a}, {@code fsname-MDT0000} (index in 4 hex digits). */
    public static String targetName(FsName fsName, String kind, int index) {
        if (!kind.equals("OST") && !kind.equals("MDT")) {
            throw new IllegalArgumentException("kind must be OST or MDT: " + kind);
        }
        return fsName + "-" + kind + String.format("%04x", index);
    }

    static String requireDevice(String device) {
        if (device == null || !device.startsWith("/dev/") || device.contains("..")) {
            throw new IllegalArgumentException("target device must be an absolute /dev path: " + device);
        }
        return device;
    }
}
