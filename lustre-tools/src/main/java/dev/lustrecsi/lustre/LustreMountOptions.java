package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The client mount options a user may ask for (StorageClass {@code mountOptions}, a PV's mount flags, the volume
 * context), in one place: the controller validates with it at CreateVolume and the node plugin at stage and
 * publish, so nothing the controller accepts is refused at mount time. Anything else is refused before anything
 * is mounted: options such as {@code suid} or {@code dev}, Lustre tunables with values (which could smuggle in
 * anything), and options that make mount.lustre fail late and obscurely.
 *
 * <p>Deliberately not allowed, though real:
 * <ul>
 *   <li>{@code defaults}: mount(8) defines it as {@code rw,suid,dev,exec,auto,nouser,async}, so it re-enables the
 *       {@code suid} and {@code dev} this list keeps out;</li>
 *   <li>{@code user_fid2path}: lets unprivileged users call fid2path and rmfid on the whole filesystem
 *       (lustre-release llite/file.c ll_fid2path and ll_rmfid test LL_SBI_USER_FID2PATH instead of
 *       CAP_DAC_READ_SEARCH), which on a shared pool reaches other volumes' files; {@code nouser_fid2path} is
 *       allowed.</li>
 * </ul>
 */
public final class LustreMountOptions {

    /** Options of mount(8) and of mount.lustre(8) ("CLIENT OPTIONS") that are safe to pass through. */
    public static final Set<String> ALLOWED = Set.of(
            "ro",
            "rw",
            "flock",
            "localflock",
            "noflock",
            "user_xattr",
            "nouser_xattr",
            "noatime",
            "relatime",
            "nodiratime",
            "lazystatfs",
            "nolazystatfs",
            "acl",
            "noacl",
            "nouser_fid2path",
            "nosuid",
            "nodev",
            "noexec",
            "async");

    /** At most one of each group: mount(8) would let the last win, which is never what both writers meant. */
    private static final List<Set<String>> EXCLUSIVE = List.of(
            Set.of("flock", "localflock", "noflock"),
            Set.of("user_xattr", "nouser_xattr"),
            Set.of("acl", "noacl"),
            Set.of("ro", "rw"),
            Set.of("noatime", "relatime"),
            Set.of("lazystatfs", "nolazystatfs"));

    private static final int MAX_QUOTED = 64;
    private static final int MAX_REFUSED_NAMED = 8;

    private LustreMountOptions() {}

    /** A comma-separated list (a StorageClass's {@code mountOptions}) checked as {@link #check(List)} does. */
    public static List<String> parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        return check(List.of(commaSeparated));
    }

    /** As {@link #check(List)}: kept for callers that pass single options. */
    public static List<String> validate(List<String> options) {
        return check(options);
    }

    /**
     * Splits each entry at ',' (mount_flags may hold "a,b"), trims, drops empties and duplicates and checks every
     * option and every exclusive group. Returns the options in first-seen order.
     *
     * @throws IllegalArgumentException naming (a bounded number of) the refused options, quoted and escaped
     */
    public static List<String> check(List<String> requested) {
        Set<String> options = new LinkedHashSet<>();
        List<String> refused = new ArrayList<>();
        int refusedCount = 0;
        for (String entry : requested) {
            for (String option : entry.split(",", -1)) {
                String o = option.strip();
                if (o.isEmpty()) {
                    continue;
                }
                if (ALLOWED.contains(o)) {
                    options.add(o);
                } else if (refusedCount++ < MAX_REFUSED_NAMED) {
                    refused.add(quoted(o));
                }
            }
        }
        if (refusedCount > 0) {
            String more = refusedCount > refused.size() ? " and " + (refusedCount - refused.size()) + " more" : "";
            throw new IllegalArgumentException(
                    "mount options not allowed: " + String.join(", ", refused) + more + " (allowed: "
                            + String.join(", ", ALLOWED.stream().sorted().toList()) + ")");
        }
        for (Set<String> group : EXCLUSIVE) {
            List<String> chosen = options.stream().filter(group::contains).toList();
            if (chosen.size() > 1) {
                throw new IllegalArgumentException("conflicting mount options: " + String.join(", ", chosen));
            }
        }
        return List.copyOf(options);
    }

    /**
     * The options for a read-only mount: {@code rw} (from a StorageClass or PV written for read-write use) gives way
     * to {@code ro}, since a read-only publish is what the CO asked for this time.
     */
    public static List<String> readOnly(List<String> requested) {
        List<String> out = new ArrayList<>();
        for (String entry : requested) {
            for (String option : entry.split(",", -1)) {
                if (!option.strip().equals("rw")) {
                    out.add(option);
                }
            }
        }
        out.add("ro");
        return check(out);
    }

    private static String quoted(String s) {
        String cut = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
        StringBuilder out = new StringBuilder("'");
        cut.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('\'').toString();
    }
}
