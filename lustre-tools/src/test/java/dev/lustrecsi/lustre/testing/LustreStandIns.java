package dev.lustrecsi.lustre.testing;

import dev.lustrecsi.lustre.ToolPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Stand-ins for the Lustre client tools with their real names and argument syntax, for tests in a
 * private mount namespace ({@link MountNamespace}). One set per JVM:
 * <ul>
 *   <li>{@code mount.lustre} is overlaid into /sbin (mount(8) looks for its helpers there), so product
 *       code runs the real {@code mount -t lustre ...}; the overlay exists only in this JVM's
 *       namespace, the host's /sbin is untouched;</li>
 *   <li>{@code lnetctl}, {@code lctl}, {@code modprobe} live in a bin directory that
 *       {@link #toolPaths()} points at;</li>
 *   <li>"servers" are tmpfs mounts under the state directory, one per MGS NID and fsname, so every
 *       client mount of one filesystem (a controller's pool mount, a node's fileset mount) shares data;</li>
 *   <li>marker files make them fail or hang the way Lustre does when servers are gone.</li>
 * </ul>
 * Each tool appends its argv to {@code state/log/<tool>.log}.
 */
public final class LustreStandIns {
    private static final String[] BIN = {"lnetctl", "lctl", "lfs", "modprobe"};
    private static final String[] SBIN = {"mount.lustre"};
    /** A server's formatting tools (its boot script runs them); tunefs.lustre is mkfs.lustre under another name. */
    private static final String[] SERVER = {"mkfs.lustre", "blkid"};

    private static LustreStandIns instance;

    private final Path home;
    /** Whether the stand-in servers are tmpfs mounts (in the private namespace) or plain directories. */
    private final boolean mounting;

    private final Path bin;
    private final Path state;

    private LustreStandIns(Path home, boolean mounting) {
        this.home = home;
        this.mounting = mounting;
        this.bin = home.resolve("bin");
        this.state = home.resolve("state");
    }

    /**
     * The JVM's stand-ins, installed on first use. Skips the calling test (JUnit assumption) unless the
     * JVM runs as root in a private mount namespace.
     */
    public static synchronized LustreStandIns install() {
        MountNamespace.assumePrivate();
        if (instance == null) {
            try {
                LustreStandIns s = new LustreStandIns(Files.createTempDirectory("lustre-standins-"), true);
                s.setUp();
                Runtime.getRuntime().addShutdownHook(new Thread(s::tearDown, "lustre-standins-cleanup"));
                instance = s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /**
     * Stand-in tools of a test's own in {@code home}, mounting nothing: no stand-in mount.lustre over /sbin, and
     * servers ({@link #serverRoot}) are plain directories. For tests that pair them with {@link FakeMounter} and run
     * as any user (lnetctl, lctl and modprobe still run, as the node plugin runs them).
     */
    public static LustreStandIns unmounted(Path home) {
        LustreStandIns s = new LustreStandIns(home, false);
        try {
            writeTools(s.bin, s.state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    /**
     * The stand-in tools written into {@code bin} (lnetctl, lctl, lfs, modprobe, mount.lustre, and a server's
     * mkfs.lustre, tunefs.lustre and blkid) with their state in {@code state}, without mounting anything: for tests
     * that put them first on PATH (a server's boot script) or call them directly. The Lustre version they answer as
     * is {@code state/version} ({@link #version}).
     */
    public static void writeTools(Path bin, Path state) throws IOException {
        for (String d : List.of("log", "hang", "down", "servers", "modules", "lnet/ifaddr", "holders", "disks")) {
            Files.createDirectories(state.resolve(d));
        }
        extract(BIN, "standins/bin/", bin, state);
        extract(SBIN, "standins/sbin/", bin, state);
        extract(SERVER, "standins/sbin/", bin, state);
        // One program in lustre-release (lustre/utils/mkfs_lustre.c, built twice): the stand-in acts by its name.
        Files.copy(bin.resolve("mkfs.lustre"), bin.resolve("tunefs.lustre"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A server disk's content as the stand-in blkid, mkfs.lustre and tunefs.lustre see it ({@code state/disks}):
     * {@code type=} and {@code label=} lines are what mke2fs left, {@code ldd.<field>=} lines Lustre's
     * CONFIGS/mountdata (svname, index, fsname, mtype, flags, mountopts, params); null: a blank disk.
     */
    public static void disk(Path state, String device, String lines) {
        Path file = state.resolve("disks").resolve(device.replace('/', '_'));
        try {
            if (lines == null) {
                Files.deleteIfExists(file);
            } else {
                write(file, lines);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #disk(Path, String, String)} in this JVM's stand-in state. */
    public void disk(String device, String lines) {
        disk(state, device, lines);
    }

    /**
     * From now on mkfs.lustre dies (SIGKILL) after its mke2fs step, before it writes the Lustre configuration, as a
     * server VM killed mid-format leaves its disk; {@code false}: it completes again.
     */
    public static void interruptFormat(Path state, boolean on) {
        marker(state.resolve("interrupt/mkfs.lustre"), on);
    }

    /** blkid cannot probe any device (an I/O error): exit 4. */
    public static void blkidFails(Path state, boolean on) {
        marker(state.resolve("fail/blkid"), on);
    }

    private void setUp() throws IOException {
        writeTools(bin, state);
        Files.delete(bin.resolve("mount.lustre"));
        Path sbin = home.resolve("sbin");
        extract(SBIN, "standins/sbin/", sbin, state);
        // mount(8) runs /sbin/mount.<type>; /sbin is /usr/sbin on merged-/usr systems, so overlay the real dir.
        Path sbinDir = Path.of("/sbin").toRealPath();
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + sbin + ":" + sbinDir, sbinDir.toString());
        if (!Files.isExecutable(sbinDir.resolve("mount.lustre"))) {
            throw new IllegalStateException("stand-in mount.lustre not visible in " + sbinDir + " after the overlay");
        }
    }

    private static void extract(String[] names, String resourceDir, Path dir, Path state) throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            try (InputStream in = LustreStandIns.class.getClassLoader().getResourceAsStream(resourceDir + name)) {
                if (in == null) {
                    throw new IllegalStateException("stand-in " + resourceDir + name + " missing from the classpath");
                }
                String script =
                        new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@STATE_DIR@", state.toString());
                Path file = dir.resolve(name);
                Files.writeString(file, script);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    /** Real mount/umount from PATH; the Lustre tools from the stand-in bin directory. */
    public ToolPaths toolPaths() {
        return ToolPaths.lustreToolsIn(bin);
    }

    public Path binDirectory() {
        return bin;
    }

    public Path stateDirectory() {
        return state;
    }

    /**
     * The root of the stand-in filesystem {@code fsName} served at {@code mgsNid} (started if it is not
     * yet): tests put a volume's subdirectory or files there, as a controller would through a pool mount.
     */
    public Path serverRoot(String mgsNid, String fsName) {
        Path root = state.resolve("servers").resolve(mgsNid).resolve(fsName);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (mounting && !isMountPoint(root)) {
            run("mount", "-t", "tmpfs", "-o", "mode=0755", mgsNid + ":/" + fsName, root.toString());
        }
        return root;
    }

    /** The argv lines a tool was called with, oldest first ("mount.lustre", "lnetctl", "lctl", "modprobe"). */
    public List<String> calls(String tool) {
        Path log = state.resolve("log").resolve(tool + ".log");
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each Lustre client mount the helper was asked for, as {@code source=... target=... options=...}. */
    public List<String> lustreMounts() {
        return calls("mount.lustre").stream()
                .filter(l -> l.startsWith("source="))
                .toList();
    }

    /** Every {@code mount -t lustre} from now on blocks (an MGS that does not answer). */
    public void hangMounts(boolean on) {
        marker(state.resolve("hang/mount"), on);
    }

    /**
     * Mounts of {@code fsName} succeed, but the server never answers afterwards: statfs and stat block.
     * The mount is a FUSE mount whose server never reads its requests; tests skip without /dev/fuse.
     */
    public void hangServer(String fsName, boolean on) {
        Assumptions.assumeTrue(
                Files.exists(Path.of("/dev/fuse")),
                "skipped: simulating a hung Lustre server needs /dev/fuse, which this machine lacks");
        marker(state.resolve("hang").resolve(fsName), on);
    }

    /** Mounts of {@code fsName} fail as with an MGS that does not answer: ETIMEDOUT (110, "Connection timed out"). */
    public void serverDown(String fsName, boolean on) {
        marker(state.resolve("down").resolve(fsName), on);
    }

    /**
     * The peer {@code nid} is unreachable: {@code lnetctl ping} fails (No route to host), a mount from it times out.
     */
    public void peerDown(String nid, boolean on) {
        marker(state.resolve("down").resolve(nid), on);
    }

    /**
     * The state {@code lctl get_param mdc.<fs>-*.import osc.<fs>-*.import} reports for the client imports of
     * {@code fsName} (e.g. DISCONN, EVICTED, as when its servers are gone); null: back to FULL.
     */
    public void importState(String fsName, String importState) {
        Path p = state.resolve("imports").resolve(fsName);
        try {
            if (importState == null) {
                Files.deleteIfExists(p);
            } else {
                Files.createDirectories(p.getParent());
                Files.writeString(p, importState + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The given tool ("lnetctl", "lctl") blocks on every call. */
    public void hangTool(String tool, boolean on) {
        marker(state.resolve("hang").resolve(tool), on);
    }

    /**
     * Sets ({@code on}) or removes a marker file below the state directory, for a behaviour without a method of its
     * own: {@code down/lfs-setquota} makes only that lfs command fail (see the stand-in {@code lfs}).
     */
    public void marker(String relative, boolean on) {
        marker(state.resolve(relative), on);
    }

    /** modprobe fails as on a kernel the Lustre client modules were not built for. */
    public void missingModules(boolean on) {
        marker(state.resolve("missing-modules"), on);
    }

    /** The IPv4 address the stand-in lnetctl gives a NID on {@code iface} (default: the address `ip` reports). */
    public void interfaceAddress(String iface, String address) {
        interfaceAddress(state, iface, address);
    }

    /** {@link #interfaceAddress(String, String)} for tools written with {@link #writeTools}. */
    public static void interfaceAddress(Path state, String iface, String address) {
        write(state.resolve("lnet/ifaddr").resolve(iface), address + "\n");
    }

    /**
     * The Lustre version the tools answer as, and whose behaviour they follow where versions differ (e.g.
     * "2.17.0", "2.15.6"; the default is 2.15.6, the chart's client).
     */
    public void version(String lustreVersion) {
        version(state, lustreVersion);
    }

    /** {@link #version(String)} for tools written with {@link #writeTools}. */
    public static void version(Path state, String lustreVersion) {
        write(state.resolve("version"), lustreVersion + "\n");
    }

    /**
     * The targets of {@code fsName}: {@code mdts} MDTs and {@code osts} OSTs, each of {@code kbytes} KiB, half used.
     */
    public void targets(String fsName, int mdts, int osts, long kbytes) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < mdts; i++) {
            lines.append(halfUsed("MDT", i, kbytes));
        }
        for (int i = 0; i < osts; i++) {
            lines.append(halfUsed("OST", i, kbytes));
        }
        targetLines(fsName, lines.toString());
    }

    /** A target line ({@code KIND INDEX KBYTES USED AVAILABLE}) of a target half used. */
    private static String halfUsed(String kind, int index, long kbytes) {
        return kind + " " + index + " " + kbytes + " " + kbytes / 2 + " " + kbytes / 2 + "\n";
    }

    /** The targets of {@code fsName} as lines {@code <MDT|OST> <index> <KiB total> <KiB used> <KiB available>}. */
    public void targetLines(String fsName, String lines) {
        write(state.resolve("targets").resolve(fsName), lines);
    }

    /**
     * OST {@code index} of {@code fsName} deactivated ({@code lctl conf_param <fs>-OSTxxxx.osc.active=0} on the MGS)
     * or active again: clients mounted before keep its import FULL with the flags {@code invalid, deactive}, clients
     * mounted after never connect it (NEW); {@code lfs df} leaves it out.
     */
    public void ostActive(String fsName, int index, boolean active) {
        marker(state.resolve("inactive").resolve(fsName).resolve(String.format("OST%04x", index)), !active);
    }

    /** The MGS at {@code nid} serves exactly these filesystems (other fsnames: ENOENT at mount, as in Lustre). */
    public void mgsServes(String nid, String... fsNames) {
        deleteTree(state.resolve("mgs").resolve(nid));
        for (String fs : fsNames) {
            marker(state.resolve("mgs").resolve(nid).resolve(fs), true);
        }
        if (fsNames.length == 0) {
            try {
                Files.createDirectories(state.resolve("mgs").resolve(nid));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * What the servers' quota accounting reports for project {@code id} on the filesystem holding {@code mountPoint}
     * (instead of the stand-in adding up the project's directories), e.g. to reproduce a recorded usage.
     */
    public void projectUsage(Path mountPoint, long id, long kbytes, long files) {
        try {
            Object dev = Files.getAttribute(mountPoint, "unix:dev");
            write(
                    state.resolve("lfs/usage").resolve(dev.toString()).resolve(Long.toString(id)),
                    kbytes + " " + files + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hung servers answer again (their connections are aborted): blocked statfs calls return with an error. */
    public void releaseHungServers() {
        try (Stream<Path> holders = Files.list(state.resolve("holders"))) {
            for (Path h : holders.toList()) {
                long pid = Long.parseLong(h.getFileName().toString().replaceAll(".*\\.", ""));
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                Files.deleteIfExists(h);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Back to healthy, unconfigured tools: markers, logs, loaded modules and LNet state cleared; hung
     * servers released. Servers' data stays (tests use their own fsnames).
     */
    public void reset() {
        releaseHungServers();
        for (String d : List.of(
                "hang",
                "down",
                "log",
                "modules",
                "lnet",
                "imports",
                "jobid",
                "version",
                "targets",
                "inactive",
                "mgs",
                "clients",
                "disks",
                "interrupt",
                "fail")) {
            deleteTree(state.resolve(d));
        }
        marker(state.resolve("missing-modules"), false);
        for (String d : List.of("log", "hang", "down", "modules", "lnet/ifaddr")) {
            try {
                Files.createDirectories(state.resolve(d));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void tearDown() {
        try {
            detachAllAndDelete();
        } catch (RuntimeException e) {
            System.err.println("lustre stand-ins: cleanup of " + home + " incomplete: " + e.getMessage());
        }
    }

    private void detachAllAndDelete() {
        releaseHungServers();
        // Detach whatever is still mounted below our directory, then delete the files.
        if (unmountBelow(home)) {
            deleteTree(home);
        }
    }

    /**
     * Detaches what is mounted below {@code dir}, deepest first and lazily (nothing may block a cleanup); a
     * failed umount is reported on stderr and the rest go on. Returns false when the mount table is unreadable.
     */
    public static boolean unmountBelow(Path dir) {
        List<Path> mounted = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                Path mp = Path.of(line.split(" ")[4].replace("\\040", " "));
                if (mp.startsWith(dir) && !mp.equals(dir)) {
                    mounted.add(mp);
                }
            }
        } catch (IOException e) {
            return false;
        }
        mounted.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path mp : mounted) {
            try {
                run("umount", "-l", mp.toString());
            } catch (RuntimeException e) {
                System.err.println("lustre stand-ins: " + e.getMessage());
            }
        }
        return true;
    }

    private static boolean isMountPoint(Path p) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .anyMatch(l -> l.split(" ")[4].equals(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void marker(Path p, boolean on) {
        try {
            if (on) {
                Files.createDirectories(p.getParent());
                Files.writeString(p, "");
            } else {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
