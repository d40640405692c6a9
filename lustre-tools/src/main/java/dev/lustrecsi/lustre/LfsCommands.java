package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code lfs} command lines for per-volume directories on a client mount (Lustre Operations Manual:
 * "Quota Administration" for projects and {@code lfs setquota}, "Managing File Layout" for
 * {@code lfs setstripe}) and parsers for the outputs the controller reads ({@code lfs quota}, {@code lfs df},
 * {@code lfs project}).
 */
public final class LfsCommands {

    /** Lustre project ids are 32-bit; 0 is "no project" and 4294967295 is reserved. */
    public static final long MAX_PROJECT_ID = 4294967294L;
    /** Stripe sizes must be multiples of 64 KiB (the manual: "stripe_size ... must be a multiple of 64 KB"). */
    public static final long STRIPE_SIZE_UNIT = 64L * 1024;
    /** Lustre caps a single stripe at 4 GiB - 64 KiB. */
    public static final long MAX_STRIPE_SIZE = 4L * 1024 * 1024 * 1024 - STRIPE_SIZE_UNIT;
    /** The largest stripe count a file layout can have (LOV_MAX_STRIPE_COUNT). */
    public static final int MAX_STRIPE_COUNT = 2000;

    private final ToolPaths paths;

    public LfsCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /**
     * {@code lfs project -p ID -s DIR}: gives DIR the project id and sets the inherit flag, so everything later
     * created below it is charged to that project's quota.
     */
    public List<String> setProject(long projectId, String dir) {
        return List.of(
                paths.lfs(), "project", "-p", Long.toString(requireProjectId(projectId)), "-s", requirePath(dir));
    }

    /**
     * {@code lfs project -p ID -s -r DIR}: {@link #setProject} on DIR and everything below it. A clone's directory
     * gets it before its copy starts (and again when a copy restarts over a partial tree), so no copied byte is
     * charged to another project.
     */
    public List<String> setProjectRecursively(long projectId, String dir) {
        return List.of(
                paths.lfs(), "project", "-p", Long.toString(requireProjectId(projectId)), "-s", "-r", requirePath(dir));
    }

    /**
     * {@code lfs project -C -r DIR}: clears the inherit flag and resets the project id to 0 on DIR and below,
     * so a project id can be reused without a new volume being charged for an archived tree.
     */
    public List<String> clearProjectRecursively(String dir) {
        return List.of(paths.lfs(), "project", "-C", "-r", requirePath(dir));
    }

    /** {@code lfs project DIR}: one line per entry directly inside DIR: {@code <id> <P|-> <path>}. */
    public List<String> listProjects(String dir) {
        return List.of(paths.lfs(), "project", requirePath(dir));
    }

    /** {@code lfs project -d DIR}: the line for DIR itself rather than its entries. */
    public List<String> showProject(String dir) {
        return List.of(paths.lfs(), "project", "-d", requirePath(dir));
    }

    /**
     * {@code lfs setquota -p ID -b 0 -B <kbytes> MOUNT}: a hard block limit on the project. Limits are given in
     * KiB (the tool's default unit), rounded up so the volume never gets less than it asked for; 0 removes it.
     */
    public List<String> setProjectBlockLimit(long projectId, long bytes, String mountPoint) {
        if (bytes < 0) {
            throw new IllegalArgumentException("quota limit must be >= 0, got " + bytes);
        }
        long kbytes = (bytes + 1023) / 1024;
        return setProjectQuota(projectId, mountPoint, "-b", "0", "-B", Long.toString(kbytes));
    }

    /** {@code lfs setquota -p ID -b 0 -B 0 -i 0 -I 0 MOUNT}: no limits left for a freed project id. */
    public List<String> clearProjectQuota(long projectId, String mountPoint) {
        return setProjectQuota(projectId, mountPoint, "-b", "0", "-B", "0", "-i", "0", "-I", "0");
    }

    /** {@code lfs setquota -p ID <limits...> MOUNT}. */
    private List<String> setProjectQuota(long projectId, String mountPoint, String... limits) {
        List<String> argv =
                new ArrayList<>(List.of(paths.lfs(), "setquota", "-p", Long.toString(requireProjectId(projectId))));
        argv.addAll(List.of(limits));
        argv.add(requirePath(mountPoint));
        return List.copyOf(argv);
    }

    /** {@code lfs quota -q -p ID MOUNT}: usage and limits of one project, without the header lines. */
    public List<String> projectQuota(long projectId, String mountPoint) {
        return List.of(
                paths.lfs(), "quota", "-q", "-p", Long.toString(requireProjectId(projectId)), requirePath(mountPoint));
    }

    /**
     * {@code lfs setstripe -c COUNT -S SIZE DIR}: the default layout of new files below DIR. {@code count} -1
     * stripes over every OST, 0 keeps the filesystem default; {@code stripeSizeBytes} 0 keeps the default size.
     */
    public List<String> setDefaultStripe(int count, long stripeSizeBytes, String dir) {
        validateStripe(count, stripeSizeBytes);
        List<String> argv = new ArrayList<>(List.of(paths.lfs(), "setstripe", "-c", Integer.toString(count)));
        if (stripeSizeBytes > 0) {
            argv.add("-S");
            argv.add(Long.toString(stripeSizeBytes));
        }
        argv.add(requirePath(dir));
        return List.copyOf(argv);
    }

    /** {@code lfs df MOUNT}: per-target and summary space in KiB. */
    public List<String> df(String mountPoint) {
        return List.of(paths.lfs(), "df", requirePath(mountPoint));
    }

    /** Rejects stripe settings {@code lfs setstripe} would refuse, so bad StorageClass input fails early. */
    public static void validateStripe(int count, long stripeSizeBytes) {
        if (count < -1 || count > MAX_STRIPE_COUNT) {
            throw new IllegalArgumentException(
                    "stripe count must be -1 (all OSTs), 0 (default) or 1.." + MAX_STRIPE_COUNT + ", got " + count);
        }
        if (stripeSizeBytes < 0 || stripeSizeBytes % STRIPE_SIZE_UNIT != 0 || stripeSizeBytes > MAX_STRIPE_SIZE) {
            throw new IllegalArgumentException(
                    "stripe size must be a multiple of 64KiB up to 4GiB-64KiB, got " + stripeSizeBytes);
        }
    }

    /**
     * One project's usage and limits, in bytes (the tool reports KiB). {@code complete} is false when lfs marked a
     * value invalid (in brackets, e.g. {@code [0]}: some target did not answer), so the figures may be low.
     */
    public record ProjectQuota(long usedBytes, long softLimitBytes, long hardLimitBytes, long files, boolean complete) {
        public ProjectQuota(long usedBytes, long softLimitBytes, long hardLimitBytes, long files) {
            this(usedBytes, softLimitBytes, hardLimitBytes, files, true);
        }
    }

    /**
     * Parses {@code lfs quota [-q] -p ID MOUNT}: the mount point, then
     * {@code kbytes bquota blimit bgrace files iquota ilimit igrace} (the 2.17 header; 2.15 says
     * {@code kbytes quota limit grace files quota limit grace}). As lustre/utils/lfs.c print_quota writes them:
     * <ul>
     *   <li>a number at or over its hard limit carries a {@code *} right after it ({@code 104488*}); on 2.17 the files
     *       column's mark follows the block column's (real transcripts 103, 113), so marks are read, not relied on;</li>
     *   <li>a value lfs could not get from every target is shown in brackets ({@code [0]}, lfs.c: "[%s]" when the
     *       QIF_* valid bit is missing);</li>
     *   <li>2.15 puts a mount point longer than 15 characters on a line of its own; 2.17 never wraps (transcript 128).</li>
     * </ul>
     */
    public static Optional<ProjectQuota> parseProjectQuota(String output, String mountPoint) {
        String[] lines = output.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith(mountPoint)) {
                continue;
            }
            String rest = line.substring(mountPoint.length());
            if (!rest.isEmpty() && !Character.isWhitespace(rest.charAt(0))) {
                continue;
            }
            if (rest.isBlank() && i + 1 < lines.length) {
                rest = lines[i + 1];
            }
            String[] t = rest.strip().split("\\s+");
            if (t.length < 7) {
                continue;
            }
            Value used = Value.of(t[0]);
            Value soft = Value.of(t[1]);
            Value hard = Value.of(t[2]);
            Value files = Value.of(t[4]);
            if (used != null && soft != null && hard != null && files != null) {
                boolean complete = used.valid && soft.valid && hard.valid && files.valid;
                return Optional.of(new ProjectQuota(
                        used.number * 1024, soft.number * 1024, hard.number * 1024, files.number, complete));
            }
        }
        return Optional.empty();
    }

    /** One number of {@code lfs quota}: {@code 123}, {@code 123*} (at or over its limit), {@code [123]} (invalid). */
    private record Value(long number, boolean valid) {
        static Value of(String token) {
            String s = token.endsWith("*") ? token.substring(0, token.length() - 1) : token;
            boolean valid = true;
            if (s.startsWith("[") && s.endsWith("]")) {
                s = s.substring(1, s.length() - 1);
                valid = false;
            }
            OptionalLong n = LfsCommands.number(s);
            return n.isPresent() && n.getAsLong() >= 0 ? new Value(n.getAsLong(), valid) : null;
        }
    }

    /** Filesystem-wide space from {@code lfs df}, in bytes, and the number of OSTs listed. */
    public record DfSummary(long totalBytes, long usedBytes, long availableBytes, int osts) {}

    /**
     * Parses {@code lfs df}: target lines {@code <fs>-OST0000_UUID 1K-blocks used avail use% mount[OST:0]}
     * and a {@code filesystem_summary:} line with the totals over the OSTs.
     */
    public static Optional<DfSummary> parseDf(String output) {
        int osts = 0;
        DfSummary summary = null;
        for (String line : output.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 6 && t[t.length - 1].contains("[OST:")) {
                osts++;
            }
            if (t.length >= 4 && t[0].equals("filesystem_summary:")) {
                OptionalLong total = number(t[1]);
                OptionalLong used = number(t[2]);
                OptionalLong avail = number(t[3]);
                if (total.isPresent() && used.isPresent() && avail.isPresent()) {
                    summary = new DfSummary(
                            total.getAsLong() * 1024, used.getAsLong() * 1024, avail.getAsLong() * 1024, 0);
                }
            }
        }
        if (summary == null) {
            return Optional.empty();
        }
        return Optional.of(new DfSummary(summary.totalBytes(), summary.usedBytes(), summary.availableBytes(), osts));
    }

    /** One line of {@code lfs project}: the project id of an entry and whether it has the inherit flag. */
    public record ProjectEntry(long projectId, boolean inherit, String path) {}

    /** Parses {@code lfs project DIR} / {@code lfs project -d DIR}; lines that do not parse are skipped. */
    public static List<ProjectEntry> parseProjects(String output) {
        List<ProjectEntry> entries = new ArrayList<>();
        for (String line : output.split("\n")) {
            String trimmed = line.trim();
            String[] t = trimmed.split("\\s+", 3);
            if (t.length == 3 && (t[1].equals("P") || t[1].equals("-"))) {
                OptionalLong id = number(t[0]);
                if (id.isPresent()) {
                    entries.add(new ProjectEntry(id.getAsLong(), t[1].equals("P"), t[2]));
                }
            }
        }
        return List.copyOf(entries);
    }

    private static OptionalLong number(String token) {
        try {
            return OptionalLong.of(Long.parseLong(token));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static long requireProjectId(long id) {
        if (id < 1 || id > MAX_PROJECT_ID) {
            throw new IllegalArgumentException("project id must be 1.." + MAX_PROJECT_ID + ", got " + id);
        }
        return id;
    }

    private static String requirePath(String path) {
        if (path == null || !path.startsWith("/") || path.contains("\0") || path.contains("\n")) {
            throw new IllegalArgumentException("absolute path required: " + path);
        }
        return path;
    }
}
