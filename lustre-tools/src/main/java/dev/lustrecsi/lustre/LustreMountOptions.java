package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The client mount options a user may ask for (StorageClass {@code mountOptions}, a PV's mount flags).
 * Anything else is refused: options such as {@code exec}-related overrides, {@code suid}, or Lustre tunables
 * with values could weaken the node or break other volumes, and an unknown option makes mount.lustre fail late
 * and obscurely. Kept in lustre-tools so the controller (validating a StorageClass) and the node plugin
 * (mounting) apply the same list.
 */
public final class LustreMountOptions {

    /** Options of mount(8) and of mount.lustre(8) ("CLIENT OPTIONS") that are safe to pass through. */
    public static final Set<String> ALLOWED = Set.of(
            "ro", "rw", "defaults", "flock", "localflock", "noflock", "user_xattr", "nouser_xattr",
            "noatime", "relatime", "nodiratime", "lazystatfs", "nolazystatfs", "acl", "noacl",
            "user_fid2path", "nouser_fid2path", "nosuid", "nodev", "noexec", "async");

    private LustreMountOptions() {
    }

    /**
     * Splits a comma-separated list, trims, drops empties and duplicates, and checks every option.
     *
     * @throws IllegalArgumentException naming the first option that is not allowed
     */
    public static List<String> parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        Set<String> options = new LinkedHashSet<>();
        for (String raw : commaSeparated.split(",")) {
            String option = raw.trim();
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        return validate(new ArrayList<>(options));
    }

    /** Checks each option against {@link #ALLOWED}; returns them unchanged. */
    public static List<String> validate(List<String> options) {
        for (String option : options) {
            if (!ALLOWED.contains(option)) {
                throw new IllegalArgumentException("mount option '" + option + "' is not allowed (allowed: "
                        + String.join(", ", ALLOWED.stream().sorted().toList()) + ")");
            }
        }
        if (options.contains("ro") && options.contains("rw")) {
            throw new IllegalArgumentException("mount options 'ro' and 'rw' contradict each other");
        }
        return List.copyOf(options);
    }
}
