package dev.lustrecsi.lustre;

import java.util.List;
import java.util.Objects;

/**
 * Command lines that keep a formatted OST out of object allocation until it is wanted (warm standby).
 *
 * <p>The hold that certainly applies from the first moment is the OST's own: mounted with {@code -o no_precreate}
 * the OFD refuses object creation from its setup on, before it even registers with the MGS ("Do not allow objects
 * to be created on an OST ... after mounting. This allows a (potentially newly-formatted) ... OST to be started
 * without clients starting to use it immediately", lustre-release lustre/doc/mount.lustre.8; the option is
 * {@code no_precreate} in 2.15 and an alias of {@code no_create} since, lustre/obdclass/obd_mount.c lmd_parse).
 * Putting it into service sets {@code obdfilter.<ost>.no_precreate=0} on the OSS (the compatibility name that
 * 2.15 through 2.20 accept, lustre/ofd/lproc_ofd.c) and the next boot mounts without the option.
 *
 * <p>{@code lctl set_param -P osp.F-OSTxxxx-osc-MDT*.max_create_count=0} on the MGS is kept as a second hold for
 * MDS restarts, but alone it is not enough: the MGC applies a {@code set_param -P} record by running
 * {@code lctl set_param} with its glob when the params log is processed (process_param2_config in
 * lustre/obdclass/obd_config.c), so an OSP the MDT creates later, for an OST that registers afterwards, is not
 * matched (the real 2.17.0 run shows it reaching existing OSPs within seconds: transcripts 185/187).
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

    /** The mount option that starts an OST refusing object creation. */
    public static final String HOLD_MOUNT_OPTION = "no_precreate";

    /** {@code lctl set_param obdfilter.F-OSTxxxx.no_precreate=0} (on the OSS): the OST takes objects again. */
    public List<String> allowCreation(FsName fs, int ostIndex) {
        return List.of(
                paths.lctl(), "set_param", "obdfilter." + OstDrainCommands.ostName(fs, ostIndex) + ".no_precreate=0");
    }

    /** {@code lctl set_param obdfilter.F-OSTxxxx.no_precreate=1} (on the OSS): hold a mounted OST live. */
    public List<String> holdCreation(FsName fs, int ostIndex) {
        return List.of(
                paths.lctl(), "set_param", "obdfilter." + OstDrainCommands.ostName(fs, ostIndex) + ".no_precreate=1");
    }

    /** {@code lctl get_param -n obdfilter.F-OSTxxxx.no_precreate} (on the OSS): 1 while the OST is held. */
    public List<String> creationHeld(FsName fs, int ostIndex) {
        return List.of(
                paths.lctl(),
                "get_param",
                "-n",
                "obdfilter." + OstDrainCommands.ostName(fs, ostIndex) + ".no_precreate");
    }

    static String ospOnEveryMdt(FsName fs, int ostIndex) {
        if (ostIndex < 0 || ostIndex > 0xffff) {
            throw new IllegalArgumentException("OST index out of range: " + ostIndex);
        }
        // The glob is Lustre's own parameter wildcard, matched by lctl, not by a shell (argv, no shell).
        return "osp." + OstDrainCommands.ostName(fs, ostIndex) + "-osc-MDT*";
    }
}
