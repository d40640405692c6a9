package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the output of {@code lctl get_param obdfilter.*.job_stats} / {@code mdt.*.job_stats}: for each target a
 * {@code <param>=} line, then a YAML-like list
 * <pre>
 * obdfilter.lfs1-OST0000.job_stats=
 * job_stats:
 * - job_id:          hpc/ior-0
 *   snapshot_time:   1712345678.123456789 secs.nsecs
 *   read_bytes:      { samples:  12, unit: bytes, min: 4096, max: 4194304, sum: 41943040, sumsq: ... }
 *   write_bytes:     { samples:   3, unit: bytes, min: 4096, max: 4194304, sum: 8392704, sumsq: ... }
 *   getattr:         { samples:   0, unit: usecs, min: 0, max: 0, sum: 0, sumsq: 0 }
 * </pre>
 * Older servers print {@code snapshot_time: 1409778251} and omit {@code sumsq}; newer ones may add a nested
 * {@code hist: { ... }} inside the braces and quote job ids holding special characters. Lines that are neither
 * are skipped, so a new counter or field in a later Lustre never breaks the parse.
 */
public final class JobStats {

    /** One counter: how many requests, and the sum of their values in {@code unit} (bytes for *_bytes). */
    public record Counter(long samples, String unit, long sum) {}

    /** The counters of one job on one target. */
    public record Entry(String target, String jobId, Map<String, Counter> counters) {
        public Entry {
            counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
        }

        public long samples(String op) {
            Counter c = counters.get(op);
            return c == null ? 0 : c.samples();
        }

        public long sum(String op) {
            Counter c = counters.get(op);
            return c == null ? 0 : c.sum();
        }

        /** Sum of the samples of the metadata operations ({@link #METADATA_OPS}) this entry has. */
        public long metadataOps() {
            long n = 0;
            for (String op : METADATA_OPS) {
                n += samples(op);
            }
            return n;
        }
    }

    /**
     * MDT counters that are metadata operations. An MDT with Data-on-MDT also counts read/write bytes; those are
     * data, not metadata, and left out here.
     */
    public static final Set<String> METADATA_OPS = Set.of(
            "open",
            "close",
            "mknod",
            "link",
            "unlink",
            "mkdir",
            "rmdir",
            "rename",
            "getattr",
            "setattr",
            "getxattr",
            "setxattr",
            "statfs",
            "sync",
            "samedir_rename",
            "parallel_rename_file",
            "parallel_rename_dir",
            "crossdir_rename",
            "migrate");

    private static final Pattern PARAM = Pattern.compile("^(?:obdfilter|mdt|ost|mds)\\.([^.=\\s]+)\\.job_stats=(.*)$");
    private static final Pattern JOB = Pattern.compile("^\\s*-\\s+job_id:\\s*(.*?)\\s*$");
    private static final Pattern COUNTER = Pattern.compile("^\\s+([A-Za-z_][A-Za-z0-9_]*):\\s*\\{(.*)}\\s*$");
    private static final Pattern FIELD = Pattern.compile("([A-Za-z_]+):\\s*([^,{}\\s]+)");

    private JobStats() {}

    public static List<Entry> parse(String output) {
        List<Entry> entries = new ArrayList<>();
        String target = null;
        String job = null;
        Map<String, Counter> counters = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            Matcher p = PARAM.matcher(line);
            if (p.matches()) {
                flush(entries, target, job, counters);
                job = null;
                target = p.group(1);
                continue;
            }
            Matcher j = JOB.matcher(line);
            if (j.matches()) {
                flush(entries, target, job, counters);
                job = unquote(j.group(1));
                continue;
            }
            Matcher c = COUNTER.matcher(line);
            if (c.matches() && job != null) {
                String body = c.group(2);
                int hist = body.indexOf("hist:");
                if (hist >= 0) {
                    body = body.substring(0, hist);
                }
                Map<String, String> fields = new LinkedHashMap<>();
                Matcher f = FIELD.matcher(body);
                while (f.find()) {
                    fields.put(f.group(1), f.group(2));
                }
                counters.put(
                        c.group(1),
                        new Counter(
                                number(fields.get("samples")),
                                fields.getOrDefault("unit", ""),
                                number(fields.get("sum"))));
            }
        }
        flush(entries, target, job, counters);
        return entries;
    }

    private static void flush(List<Entry> entries, String target, String job, Map<String, Counter> counters) {
        if (target != null && job != null && !job.isEmpty()) {
            entries.add(new Entry(target, job, counters));
        }
        counters.clear();
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static long number(String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
