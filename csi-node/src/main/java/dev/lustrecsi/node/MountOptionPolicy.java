package dev.lustrecsi.node;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which Lustre client mount options a volume may ask for (StorageClass mountOptions, PV
 * mountOptions, the volume context). Everything else is refused before anything is mounted: options
 * such as {@code suid} or {@code dev}, another filesystem's options, or anything that would pass
 * text through to the kernel unchecked.
 */
public final class MountOptionPolicy {
    private static final Set<String> ALLOWED = Set.of(
            "flock", "localflock", "noflock",
            "user_xattr", "nouser_xattr",
            "acl", "noacl",
            "ro", "rw",
            "noatime", "nodiratime", "relatime",
            "lazystatfs", "nolazystatfs",
            "nosuid", "nodev", "noexec");
    private static final List<Set<String>> EXCLUSIVE = List.of(
            Set.of("flock", "localflock", "noflock"),
            Set.of("user_xattr", "nouser_xattr"),
            Set.of("acl", "noacl"),
            Set.of("ro", "rw"),
            Set.of("noatime", "relatime"),
            Set.of("lazystatfs", "nolazystatfs"));

    /**
     * Splits each entry at ',' (mount_flags may hold "a,b"), trims, drops duplicates and checks every
     * option. Returns them in first-seen order.
     *
     * @throws IllegalArgumentException naming the refused options and the allowed ones
     */
    public List<String> check(List<String> requested) {
        Set<String> options = new LinkedHashSet<>();
        List<String> refused = new ArrayList<>();
        for (String entry : requested) {
            for (String option : entry.split(",", -1)) {
                String o = option.strip();
                if (o.isEmpty()) {
                    continue;
                }
                if (ALLOWED.contains(o)) {
                    options.add(o);
                } else {
                    refused.add(printable(o));
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("mount options not allowed: " + String.join(", ", refused)
                    + " (allowed: " + String.join(", ", ALLOWED.stream().sorted().toList()) + ")");
        }
        for (Set<String> group : EXCLUSIVE) {
            List<String> chosen = options.stream().filter(group::contains).toList();
            if (chosen.size() > 1) {
                throw new IllegalArgumentException("conflicting mount options: " + String.join(", ", chosen));
            }
        }
        return List.copyOf(options);
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
