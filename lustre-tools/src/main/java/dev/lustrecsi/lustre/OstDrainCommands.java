package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Command lines for emptying and retiring an OST, following the Lustre Operations Manual, "Removing an OST
 * from the File System": stop new objects on it from every MDT ({@code max_create_count=0}), find the files
 * with objects on it ({@code lfs find --ost}), migrate them ({@code lfs migrate}), and once none are left,
 * deactivate it permanently on the MGS ({@code lctl conf_param <ost>.osc.active=0}).
 */
public final class OstDrainCommands {

    /** Lustre's default {@code max_create_count}; restoring it re-enables object creation. */
    public static final int DEFAULT_MAX_CREATE_COUNT = 20000;

    private final ToolPaths paths;

    public OstDrainCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** Run on the MDS holding {@code mdtIndex}: {@code lctl set_param osp.F-OSTxxxx-osc-MDTyyyy.max_create_count=N}. */
    public List<String> setMaxCreateCount(FsName fs, int ostIndex, int mdtIndex, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("max_create_count must be >= 0");
        }
        return List.of(paths.lctl(), "set_param", ospDevice(fs, ostIndex, mdtIndex) + ".max_create_count=" + count);
    }

    /** Run on a client: lists (one per line) the files having objects on the OST. */
    public List<String> findFilesOnOst(FsName fs, int ostIndex, String clientMount) {
        return List.of(paths.lfs(), "find", "--ost", ostUuid(fs, ostIndex), "--type", "f", requireDir(clientMount));
    }

    /**
     * Run on a client: re-lays each file out on OSTs that accept new objects ({@code lfs migrate} picks those,
     * skipping OSTs with {@code max_create_count=0}), keeping its stripe count.
     */
    public List<String> migrate(List<String> files) {
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("no files to migrate");
        }
        List<String> argv = new ArrayList<>(List.of(paths.lfs(), "migrate", "--non-block", "--"));
        for (String f : files) {
            argv.add(requireDir(f));
        }
        return List.copyOf(argv);
    }

    /** Run on the MGS: the OST stays in the configuration but clients and MDTs stop using it. */
    public List<String> deactivatePermanently(FsName fs, int ostIndex) {
        return List.of(paths.lctl(), "conf_param", ostName(fs, ostIndex) + ".osc.active=0");
    }

    public static String ostName(FsName fs, int ostIndex) {
        return MkfsLustreCommands.targetName(fs, "OST", ostIndex);
    }

    public static String ostUuid(FsName fs, int ostIndex) {
        return ostName(fs, ostIndex) + "_UUID";
    }

    static String ospDevice(FsName fs, int ostIndex, int mdtIndex) {
        // The MDT part carries no fsname: osp.<fsname>-OST0003-osc-MDT0000
        return "osp." + ostName(fs, ostIndex) + "-osc-MDT" + String.format("%04x", mdtIndex);
    }

    private static String requireDir(String path) {
        if (path == null || !path.startsWith("/") || path.contains("\0")) {
            throw new IllegalArgumentException("absolute path required: " + path);
        }
        return path;
    }
}
