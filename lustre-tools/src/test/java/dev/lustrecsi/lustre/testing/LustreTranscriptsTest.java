package dev.lustrecsi.lustre.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The stand-in Lustre tools answer each recorded command of the real Lustre 2.17.0 tools exactly (stdout, stderr,
 * exit code), in the state the real filesystem was in. The transcripts are read from the shared
 * {@code lustre-transcripts/real} directory (found above the checkout, or at {@code -Dlustre.transcripts=DIR});
 * without it the test is skipped and says so. Every transcript is either run here or listed in
 * {@link #NOT_APPLICABLE} with the reason, so a new transcript cannot be ignored silently.
 */
class LustreTranscriptsTest {
    private static final String NID = "10.0.2.15@tcp";
    private static final String LONG = "/mnt/a-rather-long-kubelet-style-path/pods/0123456789abcdef0123456789abcdef"
            + "/volumes/kubernetes.io~csi/pvc-00000000-1111-2222-3333-444444444444/mount";

    /** Transcripts the stand-ins do not simulate, by number, with the reason. */
    static final Map<Integer, String> NOT_APPLICABLE = new TreeMap<>();

    static {
        na("005", "modinfo: kernel modules, not a Lustre tool");
        na("010-012", "lnetctl net show -v: statistics counters of a live node (the product reads no statistics)");
        na("022-026", "lnetctl global/peer/route/stats show and export: tunables and counters the product never reads");
        na("029-030", "lctl dl: the device list of a server+client node; the stand-ins simulate a client");
        na("031-033", "/proc/mounts, mount(8), findmnt: kernel and util-linux output, not Lustre tools");
        na(
                "034-036",
                "lctl get_param *.import on a node that is server and client: the MDT's OSP imports and "
                        + "connection counters; the client imports' fields are compared in 194");
        na("037-041", "lctl get_param osc.*.state/ost_server_uuid/active, health_check: not read by the product");
        na("043-048", "lctl llite uuid, lfs getname, lfs check: not used by the product");
        na("050-051", "lfs df -i / -h: the product reads only the block form");
        na("053-054", "lfs df -l, lfs df of a non-Lustre path: not used by the product");
        na("055-057", "df(1), stat(1): coreutils on the kernel's statfs");
        na(
                "058-075",
                "jobid, job_stats, quota_slave and conf_param/set_param -P: server-side parameters "
                        + "(the operator's SimulatedLustre models them)");
        na("081-082", "lfs project -c: not used by the product");
        na("083-084", "lfs project on a non-Lustre path, lsattr(1): not used by the product");
        na("087", "lfs setquota with a bad size: the product passes KiB numbers only");
        na("090-091", "lfs quota -h / -v: the product reads only -q");
        na("094", "lfs quota on a non-Lustre path: the message names a device number of that machine");
        na("095-102", "identity upcall, dd/touch as other uids, root_prj_enable: server-side enforcement");
        na("104-105", "lfs quota -h / -v: the product reads only -q");
        na("107-109", "dd and root_prj_enable: server-side enforcement");
        na("111-112", "setquota warning about the inode qunit and inode enforcement: server-side quota");
        na("114", "lfs quota -v: the product reads only -q");
        na("115-119", "fileset mount of a project directory and df(1) of it: statfs_project is a kernel behaviour");
        na("120", "lfs df of a fileset mount of a project dir: the per-target usage of the live filesystem");
        na("121-123", "lfs quota/project on the fileset mount and its umount: the same accounting as 110");
        na("126-127", "lfs project -C on the live tree: covered by LfsCommandsTest against the stand-in");
        na("129-130", "lfs quota -h / -v: the product reads only -q");
        na("133-137", "fileset mount, ls(1), /proc/mounts, lfs getname: coreutils and kernel output");
        na("141", "dmesg: kernel log");
        na("143", "mount.lustre -v: debug output the product never reads");
        na("145", "dmesg: kernel log");
        na("148", "mount(8) refusing a missing mount point before it runs the helper: util-linux, not the stand-in");
        na("151-155", "umount(8) and fuser(1): the node unmounts through umount2(2), the stand-ins are not involved");
        na(
                "156-175",
                "lfs setstripe/getstripe/find/migrate/path2fid/fid2path: OST draining runs on the servers "
                        + "(the operator's SimulatedLustre)");
        na("176-191", "OST pools, osp.max_create_count, llog_print: server-side (the operator's SimulatedLustre)");
        na("192", "lctl conf_param on the MGS: server-side; its effect is set with LustreStandIns.ostActive");
        na("193", "lctl get_param osc.*.active: not read by the product");
        na("195-196", "osp.*.active and lctl dl: server devices");
        na("198", "lfs df -i: the product reads only the block form");
        na("200-201", "lfs check / setstripe on an inactive OST: not used by the product");
        na("202-203", "lctl conf_param on the MGS, osc.*.active: server-side");
        na("205-206", "lctl set_param osc.*.active=0 on one client: not something the product does");
        na("207", "lfs df after a client-only deactivation (205): not something the product does");
        na("212", "mkfs.lustre of an ldiskfs target on a build without ldiskfs (the recording's --disable-ldiskfs)");
        na("216", "mkfs.lustre --help: usage text the product never reads");
        na("221-222", "zpool, zfs: ZFS tools; the product's servers are ldiskfs");
        na("224", "lustre_rmmod: not used by the product");
        na("225", "umount(8) of the client");
        na("227-230", "umount of server targets and lctl dl: server-side");
        na("237-238", "lustre_rmmod, lsmod: module unloading is not something the product does");
        na("241", "lsmod: kernel modules");
    }

    private static void na(String range, String reason) {
        String[] p = range.split("-");
        int from = Integer.parseInt(p[0]);
        int to = p.length > 1 ? Integer.parseInt(p[1]) : from;
        for (int i = from; i <= to; i++) {
            NOT_APPLICABLE.put(i, reason);
        }
    }

    /** A state of the real node before a transcript ran, built from the baseline (client mounted, LNet up). */
    private static final Map<Integer, Consumer<LustreStandIns>> STATE = new LinkedHashMap<>();

    static {
        for (int n : new int[] {1, 2, 3, 4, 6, 7, 8, 9, 13, 14, 15, 16, 17, 18, 19, 20, 21, 27, 28, 42, 49, 52}) {
            STATE.put(n, s -> {});
        }
        STATE.put(
                76,
                s -> sh("mkdir -p /mnt/lustre/csi-vol-1000/sub && echo hello > /mnt/lustre/csi-vol-1000/sub/file1"));
        STATE.put(77, STATE.get(76));
        Consumer<LustreStandIns> project = s -> {
            sh("mkdir -p /mnt/lustre/csi-vol-1000/sub && echo hello > /mnt/lustre/csi-vol-1000/sub/file1");
            sh("\"$BIN/lfs\" project -p 1000 -s -r /mnt/lustre/csi-vol-1000");
        };
        STATE.put(78, project);
        STATE.put(79, project);
        STATE.put(80, project);
        STATE.put(85, project);
        STATE.put(86, project);
        // The servers' accounting at each point (ZFS counts what the transcripts' writes left).
        STATE.put(88, quota(1000, 29, 3, 102400, 10000));
        STATE.put(89, quota(1000, 29, 3, 102400, 10000));
        STATE.put(92, quota(1000, 29, 3, 102400, 10000));
        STATE.put(93, quota(1000, 29, 3, 102400, 10000));
        STATE.put(103, quota(1000, 104488, 6, 102400, 10000));
        STATE.put(106, quota(1000, 104488, 6, 102400, 10000));
        STATE.put(110, quota(1000, 124972, 7, 102400, 10000));
        STATE.put(113, quota(2001, 12, 1, 0, 20));
        STATE.put(124, quota(1000, 124973, 8, 102400, 1000));
        STATE.put(125, quota(1000, 124973, 8, 0, 0));
        STATE.put(128, s -> {
            sh("mkdir -p '" + LONG + "' && mount -t lustre " + NID + ":/lustre '" + LONG + "'");
            quota(1000, 124973, 8, 102400, 0).accept(s);
        });
        STATE.put(131, s -> {
            sh("mkdir -p '" + LONG + "' && mount -t lustre " + NID + ":/lustre '" + LONG + "'");
            s.targetLines(
                    "lustre", "MDT 0 1294080 3712 1288320\nOST 0 2731008 8192 2720768\nOST 1 2731008 133120 2595840\n");
        });
        STATE.put(132, STATE.get(131));
        STATE.put(138, s -> sh("mkdir -p /mnt/fileset"));
        STATE.put(139, s -> sh("mkdir -p /mnt/lustre/csi-vol-fileset/inside /mnt/fileset"));
        for (int n : new int[] {140, 142, 144, 146, 147, 149}) {
            STATE.put(n, s -> sh("mkdir -p /mnt/tb-x"));
        }
        STATE.put(150, s -> {});
        Consumer<LustreStandIns> deactivated = s -> {
            s.targetLines(
                    "lustre",
                    "MDT 0 1294080 3840 1288192\nOST 0 2731008 14336 2712576\nOST 1 2731008 133120 2595840\n");
            s.ostActive("lustre", 1, false);
        };
        STATE.put(194, deactivated);
        STATE.put(197, deactivated);
        STATE.put(199, deactivated);
        STATE.put(
                204,
                s -> s.targetLines(
                        "lustre",
                        "MDT 0 1294080 3840 1288192\nOST 0 2731008 14336 2712576\nOST 1 2731008 133120 2595840\n"));
        // Server formatting: the disks of the recording's servers (ZFS datasets, registered with the MGS).
        for (int n : new int[] {208, 209, 210, 211, 213, 214, 215, 220}) {
            STATE.put(n, s -> {});
        }
        Consumer<LustreStandIns> registered = s -> {
            s.disk(
                    "lustre-mdt0/mdt0",
                    "ldd.svname=lustre-MDT0000\nldd.index=0\nldd.fsname=lustre\nldd.mtype=zfs\nldd.flags=0x5\n"
                            + "ldd.mountopts=\nldd.params=\n");
            s.disk(
                    "lustre-ost1/ost1",
                    "ldd.svname=lustre-OST0001\nldd.index=1\nldd.fsname=lustre\nldd.mtype=zfs\nldd.flags=0x2\n"
                            + "ldd.mountopts=\nldd.params= mgsnode=10.0.2.15@tcp autodegrade=on\n");
        };
        STATE.put(217, registered);
        STATE.put(218, registered);
        STATE.put(219, registered);
        STATE.put(223, s -> {});
        STATE.put(226, s -> sh("umount /mnt/lustre"));
        STATE.put(231, s -> sh("umount /mnt/lustre"));
        Consumer<LustreStandIns> netDeleted = s -> sh("umount /mnt/lustre && \"$BIN/lnetctl\" net del --net tcp");
        STATE.put(232, netDeleted);
        STATE.put(233, netDeleted);
        STATE.put(234, netDeleted);
        STATE.put(235, netDeleted);
        STATE.put(236, netDeleted);
        Consumer<LustreStandIns> noModules = s -> {
            sh("umount /mnt/lustre");
            s.reset();
            s.version("2.17.0");
        };
        for (int n : new int[] {239, 240, 242, 243, 244}) {
            STATE.put(n, noModules);
        }
    }

    private static Consumer<LustreStandIns> quota(long id, long kbytes, long files, long blimit, long ilimit) {
        return s -> {
            sh("mkdir -p /mnt/lustre/csi-vol-1000 && \"$BIN/lfs\" setquota -p " + id + " -b 0 -B " + blimit
                    + " -i 0 -I " + ilimit + " /mnt/lustre");
            s.projectUsage(Path.of("/mnt/lustre"), id, kbytes, files);
        };
    }

    private static LustreStandIns standIns;
    private static Path transcripts;

    @BeforeAll
    static void findTranscripts() {
        transcripts = transcriptsDirectory().orElse(null);
    }

    @AfterAll
    static void cleanUp() {
        if (standIns != null) {
            sh("umount -R /mnt 2>/dev/null; true");
            standIns.reset();
        }
    }

    static Optional<Path> transcriptsDirectory() {
        String configured = System.getProperty("lustre.transcripts");
        if (configured != null) {
            return Optional.of(Path.of(configured)).filter(Files::isDirectory);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/lustre-transcripts/real");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Test
    void everyTranscriptIsEitherRunOrListedWithAReason() throws IOException {
        Assumptions.assumeTrue(
                transcripts != null,
                "skipped: no lustre-transcripts/real directory above "
                        + Path.of("").toAbsolutePath() + " (set -Dlustre.transcripts=DIR)");
        try (Stream<Path> files = Files.list(transcripts)) {
            List<Integer> unclassified = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("\\d{3}-.*\\.txt"))
                    .map(n -> Integer.parseInt(n.substring(0, 3)))
                    .filter(n -> !STATE.containsKey(n) && !NOT_APPLICABLE.containsKey(n))
                    .sorted()
                    .toList();
            assertThat(unclassified)
                    .as("transcripts neither run against the stand-ins nor listed as not applicable")
                    .isEmpty();
        }
        assertThat(STATE.keySet()).doesNotContainAnyElementsOf(NOT_APPLICABLE.keySet());
    }

    @TestFactory
    Stream<DynamicTest> theStandInsAnswerEachRecordedCommandLikeTheRealTools() throws IOException {
        Assumptions.assumeTrue(
                transcripts != null,
                "skipped: no lustre-transcripts/real directory above "
                        + Path.of("").toAbsolutePath() + " (set -Dlustre.transcripts=DIR)");
        standIns = LustreStandIns.install();
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(transcripts)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.matches("\\d{3}-.*\\.txt") || !STATE.containsKey(Integer.parseInt(name.substring(0, 3)))) {
                    continue;
                }
                int n = Integer.parseInt(name.substring(0, 3));
                tests.add(DynamicTest.dynamicTest(name, () -> check(Transcript.read(f), STATE.get(n))));
            }
        }
        return tests.stream();
    }

    private void check(Transcript t, Consumer<LustreStandIns> state) {
        baseline();
        state.accept(standIns);
        Result r = run(t.command());
        if (t.number() == 194) {
            // The real node was server and client: compare the client imports' target, state and flags.
            assertThat(clientImports(r.stdout())).isEqualTo(clientImports(t.stdout()));
            assertThat(r.exit()).isEqualTo(t.exit());
            return;
        }
        assertThat(r.stdout()).as("stdout of %s", t.command()).isEqualTo(t.stdout());
        assertThat(r.stderr()).as("stderr of %s", t.command()).isEqualTo(t.stderr());
        assertThat(r.exit()).as("exit code of %s", t.command()).isEqualTo(t.exit());
    }

    /** "target state [flags]" of each client (not MDT-side) import block. */
    private static List<String> clientImports(String text) {
        List<String> out = new ArrayList<>();
        String[] blocks = text.split("(?m)^import:\n");
        for (String b : blocks) {
            String name = field(b, "name");
            if (name == null || name.matches(".*-osc-MDT[0-9a-f]{4}")) {
                continue;
            }
            out.add(field(b, "target") + " " + field(b, "state") + " " + field(b, "import_flags"));
        }
        return out;
    }

    private static String field(String block, String key) {
        for (String line : block.split("\n")) {
            if (line.strip().startsWith(key + ":")) {
                return line.strip().substring(key.length() + 1).strip();
            }
        }
        return null;
    }

    /** The transcripts' node: Lustre 2.17.0 client loaded, LNet tcp on eth0 as 10.0.2.15, filesystem "lustre"
     * (one MDT, two OSTs) mounted at /mnt/lustre; no host at 10.0.2.99. */
    private static void baseline() {
        // A fresh filesystem: its server's data and quota state from the previous case gone.
        sh("umount -R /mnt 2>/dev/null; umount \"$STATE/servers/" + NID
                + "/lustre\" 2>/dev/null; rm -rf \"$STATE/lfs\";"
                + " mount -t tmpfs tmpfs /mnt && mkdir -p /mnt/lustre");
        standIns.reset();
        standIns.version("2.17.0");
        standIns.interfaceAddress("eth0", "10.0.2.15");
        standIns.peerDown("10.0.2.99@tcp", true);
        standIns.mgsServes(NID, "lustre");
        standIns.targetLines(
                "lustre", "MDT 0 1294080 3584 1288448\nOST 0 2731008 3072 2725888\nOST 1 2731008 3072 2725888\n");
        sh("\"$BIN/modprobe\" lustre && \"$BIN/lnetctl\" lnet configure && \"$BIN/lnetctl\" net add --net tcp --if eth0"
                + " && mount -t lustre " + NID + ":/lustre /mnt/lustre");
    }

    private static final List<String> TOOLS = List.of("lnetctl", "lctl", "lfs", "mkfs.lustre", "tunefs.lustre");

    private static Result run(String command) {
        List<String> argv = words(command);
        if (TOOLS.contains(argv.get(0))) {
            argv.set(0, standIns.binDirectory().resolve(argv.get(0)).toString());
        }
        return exec(argv);
    }

    private static void sh(String script) {
        Result r = exec(List.of("bash", "-c", script));
        if (r.exit() != 0) {
            throw new IllegalStateException("setup failed: " + script + ": " + r.stderr() + r.stdout());
        }
    }

    private static Result exec(List<String> argv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().put("BIN", standIns.binDirectory().toString());
            pb.environment().put("STATE", standIns.stateDirectory().toString());
            Path err = Files.createTempFile("transcript", ".err");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(argv + " did not finish");
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            return new Result(out, stderr, p.exitValue());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Shell words of a simple command line (single and double quotes, no expansions). */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean in = false;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                in = true;
            } else if (c == ' ') {
                if (in) {
                    out.add(w.toString());
                    w.setLength(0);
                    in = false;
                }
            } else {
                w.append(c);
                in = true;
            }
        }
        if (in) {
            out.add(w.toString());
        }
        return out;
    }

    record Result(String stdout, String stderr, int exit) {}

    /** One transcript file: the command, its stdout, stderr and exit code (format in the transcripts' README). */
    record Transcript(int number, String command, String stdout, String stderr, int exit) {
        static Transcript read(Path f) throws IOException {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            String first = lines.get(0);
            String command = first.substring("# $ ".length(), first.lastIndexOf("  [lustre"));
            Map<String, List<String>> sections = new LinkedHashMap<>();
            String current = null;
            int exit = -1;
            for (String l : lines.subList(1, lines.size())) {
                if (l.equals("## stdout") || l.equals("## stderr")) {
                    current = l.substring(3);
                    sections.put(current, new ArrayList<>());
                } else if (l.startsWith("## exit code: ")) {
                    exit = Integer.parseInt(
                            l.substring("## exit code: ".length()).strip());
                    current = null;
                } else if (current != null) {
                    sections.get(current).add(l);
                }
            }
            return new Transcript(
                    Integer.parseInt(f.getFileName().toString().substring(0, 3)),
                    command,
                    stream(sections.get("stdout")),
                    stream(sections.get("stderr")),
                    exit);
        }

        private static String stream(List<String> lines) {
            if (lines == null || lines.isEmpty()) {
                return "";
            }
            if (lines.get(lines.size() - 1).startsWith("\\ no newline at end of")) {
                return String.join("\n", lines.subList(0, lines.size() - 1));
            }
            return lines.stream().map(l -> l + "\n").collect(Collectors.joining());
        }
    }
}
