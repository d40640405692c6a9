package dev.lustrecsi.lustre;

import java.util.List;
import java.util.Objects;

/**
 * Command lines that keep a formatted OST out of object allocation until it is wanted (warm standby), run on
 * the MGS. {@code lctl set_param -P} records the setting in the MGS's parameter log, which every MDS applies
 * to its {@code osp} device for the OST as soon as that device appears — so an OST mounted for the first time
 * never receives an object, with no window between its registration and a per-MDS {@code set_param}.
 * Putting it into service sets {@code max_create_count} back on each MDS at once
 * ({@link OstDrainCommands#setMaxCreateCount}) and deletes the persistent setting ({@code set_param -P -d}) so
 * a restarted MDS does not hold it again.
 */
public final class StandbyOstCommands {
    private final ToolPaths paths;

    public StandbyOstCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** {@code lctl set_param -P osp.F-OSTxxxx-osc-MDT*.max_create_count=0} (on the MGS). */
    public List<String> holdObjectCreation(FsName fs, int ostIndex) {
        return List.of(paths.lctl(), "set_param", "-P", ospOnEveryMdt(fs, ostIndex) + ".max_create_count=0");
    }

    /** {@code lctl set_param -P -d osp.F-OSTxxxx-osc-MDT*.max_create_count} (on the MGS). */
    public List<String> releaseObjectCreation(FsName fs, int ostIndex) {
        return List.of(paths.lctl(), "set_param", "-P", "-d", ospOnEveryMdt(fs, ostIndex) + ".max_create_count");
    }

    static String ospOnEveryMdt(FsName fs, int ostIndex) {
        if (ostIndex < 0 || ostIndex > 0xffff) {
            throw new IllegalArgumentException("OST index out of range: " + ostIndex);
        }
        // The glob is Lustre's own parameter wildcard, matched by lctl, not by a shell (argv, no shell).
        return "osp." + OstDrainCommands.ostName(fs, ostIndex) + "-osc-MDT*";
    }
}
