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
        List<String> argv = new ArrayList<>(List.of(paths.mkfsLustre(), "--fsname=" + fsName, kind, "--index=" + index));
        // One --mgsnode per MGS node; the NIDs of one node are comma-joined (mkfs.lustre(8)).
        for (List<Nid> node : mgs.nodes()) {
            argv.add("--mgsnode=" + String.join(",", node.stream().map(Nid::toString).toList()));
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
