package dev.lustrecsi.lustre.mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mount table of this process's mount namespace, read from {@code /proc/self/mountinfo} every
 * time it is asked: the kernel's table is the only truth about what is mounted (a restarted plugin
 * has nothing else), and reading it never touches the mounted filesystems, so it cannot hang on a
 * dead server.
 */
public final class MountTable {
    public static final Path PROC_SELF_MOUNTINFO = Path.of("/proc/self/mountinfo");

    private final Path file;

    public MountTable() {
        this(PROC_SELF_MOUNTINFO);
    }

    public MountTable(Path file) {
        this.file = file;
    }

    public List<MountInfo> read() {
        try {
            return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The topmost mount at exactly this path (the last one listed when several are stacked). */
    public Optional<MountInfo> mountAt(Path mountPoint) {
        return topmostAt(read(), mountPoint);
    }

    /**
     * The topmost mount at exactly this path in a table already read: a caller that needs several answers from
     * one moment reads the table once and asks this, rather than reading it again for each.
     */
    public static Optional<MountInfo> topmostAt(List<MountInfo> mounts, Path mountPoint) {
        Path wanted = mountPoint.toAbsolutePath().normalize();
        MountInfo found = null;
        for (MountInfo m : mounts) {
            if (m.mountPoint().equals(wanted)) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** How many mounts are stacked at exactly this path. */
    public int countAt(Path mountPoint) {
        return countAt(read(), mountPoint);
    }

    /** How many mounts are stacked at exactly this path in a table already read. */
    public static int countAt(List<MountInfo> mounts, Path mountPoint) {
        Path wanted = mountPoint.toAbsolutePath().normalize();
        return (int) mounts.stream().filter(m -> m.mountPoint().equals(wanted)).count();
    }

    public static List<MountInfo> parse(String text) {
        List<MountInfo> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                mounts.add(parseLine(line));
            }
        }
        return mounts;
    }

    /**
     * {@code 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue}: fields up to
     * the mount options, zero or more optional fields, a lone "-", then type, source and super options.
     */
    public static MountInfo parseLine(String line) {
        String[] f = line.split(" ");
        int dash = Arrays.asList(f).indexOf("-");
        if (f.length < 10 || dash < 6 || f.length < dash + 3) {
            throw new IllegalArgumentException("malformed mountinfo line: " + line);
        }
        return new MountInfo(
                Integer.parseInt(f[0]),
                Integer.parseInt(f[1]),
                f[2],
                unescape(f[3]),
                Path.of(unescape(f[4])),
                f[5],
                List.of(Arrays.copyOfRange(f, 6, dash)),
                unescape(f[dash + 1]),
                unescape(f[dash + 2]),
                f.length > dash + 3 ? unescape(f[dash + 3]) : "");
    }

    /** The kernel writes space, tab, newline and backslash in paths as {@code \ooo} octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[in.length];
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && isOctal(in, i + 1) && isOctal(in, i + 2) && isOctal(in, i + 3)) {
                out[n++] = (byte) (((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
                i += 3;
            } else {
                out[n++] = in[i];
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte[] b, int i) {
        return i < b.length && b[i] >= '0' && b[i] <= '7';
    }
}
