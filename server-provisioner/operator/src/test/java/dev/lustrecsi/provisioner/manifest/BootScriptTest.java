package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the boot script and the readiness check from a server's cloud-init under bash with stand-ins for blkid,
 * mkfs.lustre, tunefs.lustre, mount, lnetctl, lctl… first on PATH (they record calls and keep the "disks" in a
 * state directory). Proves the script formats blank target disks once, recovers its own interrupted first
 * format, mounts at every boot, never formats a foreign disk, and that readiness means mounted and recovered.
 */
class BootScriptTest {
    @TempDir
    Path tmp;

    private Path bin;
    private Path state;
    private String script;
    private String readyScript;
    private String unit;
    private String output = "";

    /*
     * blkid, mkfs.lustre, tunefs.lustre, modprobe and lnetctl are the shared stand-ins of lustre-tools
     * (LustreStandIns.writeTools; each behaviour cites its source or real transcript there): blkid -p exits 2 on a
     * blank disk, mkfs.lustre labels the disk <fs>:OST0002 with mke2fs first and writes its configuration last,
     * tunefs.lustre --dryrun exits 19 without one, lnetctl answers as the state's Lustre version does (2.17.0:
     * `net show --net <missing>` exits 234 with errno -3; 2.15: exits 0 and prints nothing).
     * The rest are this test's own, for what the shared ones do not cover on a server:
     * - mount -t lustre <device> <dir> of a server target, and mountpoint(1) answering for it;
     * - lctl get_param -n mdt|obdfilter.<t>.recovery_status: "status: <S>" from state/recovery/<t> (Lustre
     *   Operations Manual, recovery_status), COMPLETE when unset; lctl set_param of server parameters is recorded;
     * - sleep, udevadm, mkdir (outside the stand-ins' state), systemctl is-active: the guest's own plumbing;
     * - ip (iproute2) for the dummy interface of a Service address: `link add X type dummy` (RTNETLINK "File
     *   exists", exit 2, when X is there), `link show dev X` (exit 1 when absent), `addr replace A/P dev X`,
     *   `link set dev X up`, and `-4 -o addr show dev X`, which the shared lnetctl asks for an interface's address:
     *   it lists the address only once the link is up, as LNet takes only interfaces that are up
     *   (lnet/lnet/config.c lnet_inet_enumerate: "Ignoring interface %s: it's down");
     * - iptables: -C exits 1 when the rule is absent (iptables(8), "--check"), -A appends it; rules in
     *   state/iptables. A reboot loses links and rules.
     * Every tool records its argv in state/log/<tool>.log.
     */
    private static final Map<String, String> STANDINS = Map.ofEntries(
            Map.entry("mount", """
                    echo "argv: $*" >> "$STATE/log/mount.log"
                    echo "mount $*" >> "$STATE/log/order"
                    touch "$STATE/mounted/$(echo "${@: -1}" | tr / _)"
                    """),
            Map.entry("mountpoint", """
                    [ -f "$STATE/mounted/$(echo "${@: -1}" | tr / _)" ]
                    """),
            Map.entry("lctl", """
                    echo "argv: $*" >> "$STATE/log/lctl.log"
                    if [ "$1 $2" = "get_param -n" ]; then
                      t="$(echo "$3" | cut -d. -f2)"
                      echo "status: $(cat "$STATE/recovery/$t" 2>/dev/null || echo COMPLETE)"
                    fi
                    """),
            // e2fsprogs (not Lustre's): dumpe2fs -h prints the superblock's "Filesystem features:" line
            // (lib/e2p/ls.c), with mmp when on; tune2fs -O mmp turns MMP on (tests/t_mmp_1on). A disk is the shared
            // stand-ins' file, where mkfs.lustre --mkfsoptions=-O mmp leaves features=mmp.
            Map.entry("dumpe2fs", """
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    [ -f "$f" ] || { echo "dumpe2fs: Bad magic number in super-block while trying to open ${@: -1}" >&2; exit 1; }
                    echo "Filesystem features:      has_journal ext_attr dir_index filetype $(sed -n 's/^features=//p' "$f") extent"
                    """),
            Map.entry("tune2fs", """
                    echo "argv: $*" >> "$STATE/log/tune2fs.log"
                    echo "tune2fs $*" >> "$STATE/log/order"
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    [ "$1 $2" = "-O mmp" ] && ! grep -q '^features=mmp' "$f" && echo "features=mmp" >> "$f"
                    exit 0
                    """),
            Map.entry("sleep", "echo \"argv: $*\" >> \"$STATE/log/sleep.log\"\n"),
            Map.entry("udevadm", "true\n"),
            // The guest's directories (/lustre/targets/…) are not made on this host; the stand-ins' own state is.
            Map.entry("mkdir", "case \"$*\" in *\"$STATE\"*) exec /bin/mkdir \"$@\" ;; esac\n"),
            // systemctl is-active: the unit is active once the boot script exited 0 (state/unit-active).
            Map.entry("systemctl", "[ -f \"$STATE/unit-active\" ]\n"),
            Map.entry("ip", """
                    echo "argv: $*" >> "$STATE/log/ip.log"
                    L="$STATE/links"; /bin/mkdir -p "$L"
                    case "$*" in
                    "link show dev "*) [ -e "$L/$4" ] || { echo "Device \\"$4\\" does not exist." >&2; exit 1; } ;;
                    "link add "*" type dummy") [ -e "$L/$3" ] && { echo "RTNETLINK answers: File exists" >&2; exit 2; }; : > "$L/$3" ;;
                    "addr replace "*" dev "*) [ -e "$L/$5" ] || exit 1; echo "$3" > "$L/$5.addr" ;;
                    "link set dev "*" up") [ -e "$L/$4" ] || exit 1; : > "$L/$4.up" ;;
                    "-4 -o addr show dev "*) [ -e "$L/$6.up" ] && [ -e "$L/$6.addr" ] && echo "2: $6    inet $(cat "$L/$6.addr") scope global $6" ;;
                    *) echo "stand-in ip: unsupported: $*" >&2; exit 1 ;;
                    esac
                    exit 0
                    """),
            Map.entry("iptables", """
                    echo "argv: $*" >> "$STATE/log/iptables.log"
                    rule="$(echo "$*" | sed 's/ -[CA] / /')"
                    case "$*" in
                    *" -C "*) grep -qxF -- "$rule" "$STATE/iptables" 2>/dev/null ;;
                    *" -A "*) echo "$rule" >> "$STATE/iptables" ;;
                    *) exit 2 ;;
                    esac
                    """));

    @BeforeEach
    void standIns() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        state = Files.createDirectories(tmp.resolve("state"));
        LustreStandIns.writeTools(bin, state);
        LustreStandIns.version(state, "2.17.0");
        // The address the server's LNet interface has (what `ip` would report in the guest).
        LustreStandIns.interfaceAddress(state, "lnet0", "192.168.50.13");
        LustreStandIns.interfaceAddress(state, ServerCloudInit.POD_IFACE, "10.244.1.7");
        Files.createDirectories(state.resolve("mounted"));
        Files.createDirectories(state.resolve("recovery"));
        for (var e : STANDINS.entrySet()) {
            Path p = bin.resolve(e.getKey());
            Files.writeString(p, "#!/bin/bash\n" + e.getValue());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        ServerPlan oss1 = Topology.plan(fs, List.of()).server("scr-oss1").orElseThrow();
        userData(new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null));
    }

    /** The scripts of a server's user data; the guest's tmpfs marker of a paired VM becomes state/active. */
    private void userData(ServerContext ctx) throws IOException {
        String userData = new ServerCloudInit().userData(ctx);
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(userData);
        for (JsonNode f : config.path("write_files")) {
            String content = f.path("content")
                    .asText()
                    .replace(
                            ServerCloudInit.ACTIVE_MARKER,
                            state.resolve("active").toString())
                    .replace(
                            "mkdir -p /run/lustre-server",
                            "mkdir -p " + state); // the stand-in mkdir makes only the state's directories
            if (f.path("path").asText().equals(ServerCloudInit.SCRIPT_PATH)) {
                script = content;
            } else if (f.path("path").asText().equals(ServerCloudInit.READY_PATH)) {
                readyScript = content;
            } else if (f.path("path").asText().endsWith(ServerCloudInit.UNIT_NAME)) {
                unit = content;
            }
        }
    }

    /** One boot: the unit runs the script (which retries by itself) to its end; then the guest "reboots". */
    private int boot(Map<String, String> env) throws Exception {
        int rc = run(script, "lustre-server-up", env);
        if (rc == 0) {
            Files.writeString(state.resolve("unit-active"), "");
        }
        return rc;
    }

    private void reboot() throws IOException {
        // Nothing stays mounted, no module is loaded, LNet is down, the unit has not run yet.
        for (String dir : List.of("mounted", "modules", "lnet/nets", "links")) {
            if (!Files.isDirectory(state.resolve(dir))) {
                continue;
            }
            try (var s = Files.list(state.resolve(dir))) {
                for (Path m : s.toList()) {
                    Files.delete(m);
                }
            }
        }
        Files.deleteIfExists(state.resolve("lnet/configured"));
        Files.deleteIfExists(state.resolve("unit-active"));
        Files.deleteIfExists(state.resolve("iptables"));
    }

    private int ready() throws Exception {
        return run(readyScript, "lustre-server-ready", Map.of());
    }

    private int run(String content, String name, Map<String, String> env, String... args) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> argv = new java.util.ArrayList<>(List.of("bash", file.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("STATE", state.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish: " + output);
        }
        return p.exitValue();
    }

    /** The calls of the tool {@code prefix} starts with, as "tool args…", oldest first, that start with it. */
    private List<String> calls(String prefix) throws IOException {
        String tool = prefix.split(" ")[0];
        Path log = state.resolve("log").resolve(tool + ".log");
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> tool + " " + l.substring("argv: ".length()))
                .filter(l -> l.startsWith(prefix))
                .toList();
    }

    private void disk(String serial, String content) {
        LustreStandIns.disk(state, "/dev/disk/by-id/virtio-" + serial, content);
    }

    @Test
    void formatsBlankDisksOnFirstBootAndOnlyMountsAfterwards() throws Exception {
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre"))
                .containsExactly(
                        "mkfs.lustre --fsname=scratch --ost --index=2 --mgsnode=192.168.50.10@o2ib --mkfsoptions=-O mmp /dev/disk/by-id/virtio-scratch-OST0002",
                        "mkfs.lustre --fsname=scratch --ost --index=3 --mgsnode=192.168.50.10@o2ib --mkfsoptions=-O mmp /dev/disk/by-id/virtio-scratch-OST0003");
        assertThat(calls("lnetctl net add")).containsExactly("lnetctl net add --net o2ib --if lnet0");
        assertThat(calls("mount")).hasSize(2);

        reboot();
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).as("a reboot never reformats").hasSize(2);
        assertThat(calls("mount"))
                .as("a reboot mounts the targets again")
                .hasSize(4)
                .contains("mount -t lustre /dev/disk/by-id/virtio-scratch-OST0003 /lustre/targets/scratch-OST0003");
    }

    @Test
    void aDiskWithAForeignSignatureIsNeverFormattedAndTheBootKeepsRetrying() throws Exception {
        disk("scratch-OST0002", "type=ext4\nlabel=backup\n");
        // The script retries without end; let the stand-in sleep end the run after a few attempts.
        Files.writeString(
                bin.resolve("sleep"),
                "#!/bin/bash\necho \"argv: $*\" >> \"$STATE/log/sleep.log\"\n"
                        + "[ \"$(wc -l < \"$STATE/log/sleep.log\")\" -ge 3 ] && kill -TERM $PPID\nexit 0\n");
        assertThat(boot(Map.of())).isNotZero();
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("sleep")).as("retried inside the script, 15 s apart").contains("sleep 15");
        assertThat(output).contains("holds a filesystem that is not a Lustre target (label 'backup'): not formatting");
    }

    /**
     * A VM of a metadata failover pair (MDS0 with the MGS, static addresses .10 and .11): it brings LNet up but
     * neither formats nor mounts until the operator activates it; then its unit runs again and formats the blank
     * disk once, with both VMs as service nodes, and mounts. A reboot starts passive again (the marker is on a tmpfs).
     */
    @Test
    void aPairedVmMountsItsSharedTargetsOnlyOnceTheOperatorActivatedIt() throws Exception {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        fs.getSpec().getMgs().setColocated(true);
        fs.getSpec().setMetadataFailover(true);
        ServerPlan mds0 = Topology.plan(fs, List.of()).server("scr-mds0").orElseThrow();
        ServerContext ctx = new ServerContext(
                fs,
                mds0,
                "192.168.50.10/24",
                null,
                null,
                false,
                null,
                List.of(
                        List.of(dev.lustrecsi.lustre.Nid.parse("192.168.50.10@o2ib")),
                        List.of(dev.lustrecsi.lustre.Nid.parse("192.168.50.11@o2ib"))));
        userData(ctx);
        Files.writeString(
                bin.resolve("systemctl"),
                "#!/bin/bash\necho \"argv: $*\" >> \"$STATE/log/systemctl.log\"\n"
                        + "[ \"$1\" = restart ] || [ -f \"$STATE/unit-active\" ]\n");

        assertThat(boot(Map.of())).isZero();
        assertThat(calls("lnetctl net add"))
                .as("LNet is up for a quick takeover")
                .hasSize(1);
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("mount")).isEmpty();
        assertThat(output).contains("scr-mds0 is passive: scr-mds0-b serves the targets");
        assertThat(ready()).isNotZero();
        assertThat(output).contains("passive: scr-mds0-b serves the targets");

        assertThat(run(script, "lustre-server-up", Map.of(), ServerCloudInit.ACTIVATE))
                .isZero();
        assertThat(calls("systemctl restart"))
                .as("the unit finished passive: it runs again, detached from the operator's ssh session")
                .containsExactly("systemctl restart --no-block lustre-server.service");
        assertThat(boot(Map.of())).isZero(); // the restarted unit
        assertThat(calls("mkfs.lustre"))
                .containsExactly(
                        "mkfs.lustre --fsname=scratch --mgs --mdt --index=0 --servicenode=192.168.50.10@o2ib --servicenode=192.168.50.11@o2ib --mkfsoptions=-O mmp /dev/disk/by-id/virtio-scratch-MDT0000");
        assertThat(calls("mount"))
                .containsExactly(
                        "mount -t lustre /dev/disk/by-id/virtio-scratch-MDT0000 /lustre/targets/scratch-MDT0000");
        assertThat(ready()).isZero();

        reboot();
        Files.delete(state.resolve("active"));
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mount")).as("passive again after a reboot").hasSize(1);
        assertThat(ready()).isNotZero();
    }

    @Test
    void aDiskThatCannotBeProbedIsNeverFormatted() throws Exception {
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\nkill -TERM $PPID\n");
        LustreStandIns.blkidFails(state, true);
        assertThat(boot(Map.of())).isNotZero();
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("mount")).isEmpty();
    }

    @Test
    void aFirstFormatInterruptedBeforeLustreWroteItsConfigurationIsFormattedAgainAndMounted() throws Exception {
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\nkill -TERM $PPID\n");
        LustreStandIns.interruptFormat(state, true);
        assertThat(boot(Map.of())).as("the VM dies during mkfs.lustre").isNotZero();
        assertThat(calls("mount")).isEmpty();

        reboot();
        LustreStandIns.interruptFormat(state, false);
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\ntrue\n");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre"))
                .contains(
                        "mkfs.lustre --reformat --fsname=scratch --ost --index=2 --mgsnode=192.168.50.10@o2ib --mkfsoptions=-O mmp /dev/disk/by-id/virtio-scratch-OST0002");
        assertThat(calls("mount"))
                .contains("mount -t lustre /dev/disk/by-id/virtio-scratch-OST0002 /lustre/targets/scratch-OST0002");
    }

    /** OST0002 formatted and registered with the MGS (label and configuration name scratch-OST0002), without MMP. */
    private static final String REGISTERED_OST0002 =
            "type=ext4\nlabel=scratch-OST0002\nldd.svname=scratch-OST0002\nldd.index=2\nldd.fsname=scratch\n"
                    + "ldd.mtype=ldiskfs\nldd.flags=0x2\nldd.mountopts=errors=remount-ro\n"
                    + "ldd.params= mgsnode=192.168.50.10@o2ib\n";

    @Test
    void aCompleteLustreTargetIsMountedAsItIs() throws Exception {
        // Registered with the MGS: label and configuration name scratch-OST0002.
        disk("scratch-OST0002", REGISTERED_OST0002);
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).singleElement().asString().endsWith("virtio-scratch-OST0003");
        assertThat(calls("mount")).hasSize(2);
    }

    @Test
    void everyTargetIsFormattedWithMultiMountProtectionAndAnOlderTargetGetsItBeforeItsMount() throws Exception {
        // OST0002 was formatted and registered without MMP (by an older operator); OST0003 is blank.
        disk("scratch-OST0002", REGISTERED_OST0002);
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).singleElement().asString().contains(" --mkfsoptions=-O mmp ");
        assertThat(calls("tune2fs"))
                .as("only the target without MMP is tuned, before it is mounted")
                .containsExactly("tune2fs -O mmp /dev/disk/by-id/virtio-scratch-OST0002");
        List<String> order = Files.readAllLines(state.resolve("log/order")).stream()
                .filter(l -> l.contains("virtio-scratch-OST0002"))
                .toList();
        assertThat(order.get(0)).startsWith("tune2fs");
        assertThat(order.get(1)).startsWith("mount -t lustre");

        reboot();
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("tune2fs")).as("MMP stays on: no second tune2fs").hasSize(1);
    }

    @Test
    void lnetIsAddedWhenNetShowReportsNoNidEvenIfItExitsZero() throws Exception {
        // 2.15: a show that matches nothing exits 0; deciding by the exit code would skip the add.
        LustreStandIns.version(state, "2.15.6");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("lnetctl net add")).containsExactly("lnetctl net add --net o2ib --if lnet0");
    }

    @Test
    void anAttemptThatFindsLnetAlreadyUpDoesNotAddItAgain() throws Exception {
        // LNet already up on o2ib (e.g. the host's own lnet.conf), so net show lists its NI.
        assertThat(run(
                        "modprobe lustre && lnetctl lnet configure && lnetctl net add --net o2ib --if lnet0",
                        "up",
                        Map.of()))
                .isZero();
        Files.delete(state.resolve("log/lnetctl.log"));
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("lnetctl net add")).isEmpty();
    }

    @Test
    void onThePodNetworkLnetRunsOnADummyInterfaceHoldingTheServiceAddressAtEveryBoot() throws Exception {
        LustreFileSystem fs = Fixtures.tcp("demo", 2);
        ServerPlan oss0 = Topology.plan(fs, List.of()).server("demo-oss0").orElseThrow();
        JsonNode config = new ObjectMapper(new YAMLFactory())
                .readTree(new ServerCloudInit()
                        .userData(new ServerContext(
                                fs, oss0, null, MgsNids.parse("10.96.0.10@tcp"), null, false, "10.96.0.12", null)));
        script = config.path("write_files").get(0).path("content").asText();

        for (int boot = 1; boot <= 2; boot++) {
            assertThat(boot(Map.of())).as("boot %d: %s", boot, output).isZero();
            // The NI's NID is the Service address, not the pod address (10.244.1.7 on pod0).
            assertThat(run("lnetctl net show --net tcp", "show", Map.of())).isZero();
            assertThat(output).contains("nid: 10.96.0.12@tcp").doesNotContain("10.244.1.7");
            // What LNet sends from that address leaves the pod interface masqueraded to the pod address, once.
            assertThat(Files.readAllLines(state.resolve("iptables")))
                    .containsExactly("-t nat POSTROUTING -s 10.96.0.12/32 -o pod0 -j MASQUERADE");
            assertThat(calls("mkfs.lustre")).allMatch(c -> c.contains("--mgsnode=10.96.0.10@tcp"));
            reboot();
        }
        assertThat(calls("lnetctl net add"))
                .as("LNet is configured on the dummy interface at every boot")
                .containsExactly(
                        "lnetctl net add --net tcp --if " + ServerCloudInit.SERVICE_IFACE,
                        "lnetctl net add --net tcp --if " + ServerCloudInit.SERVICE_IFACE);
        assertThat(calls("ip link add")).hasSize(2);
    }

    @Test
    void theBootUnitHasNoRestartSettingThatSystemdBefore244Refuses() {
        assertThat(unit).contains("Type=oneshot").doesNotContain("Restart=");
    }

    @Test
    void everyOstEnforcesProjectQuotaForRoot() throws Exception {
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("lctl set_param"))
                .containsExactly(
                        "lctl set_param osd-*.scratch-OST0002.quota_slave.root_prj_enable=1",
                        "lctl set_param osd-*.scratch-OST0003.quota_slave.root_prj_enable=1");
    }

    @Test
    void theMdsTrustsTheUidsClientsSendSoPodsWithUnknownUidsCanCreateFiles() throws Exception {
        // A uid without a passwd entry on the MDS gets "Permission denied" under the default l_getidentity upcall
        // (real 2.17.0 transcripts 095/096); with identity_upcall=NONE the MDT takes the client's uid as it is.
        LustreFileSystem fs = Fixtures.tcp("demo", 2);
        ServerPlan mds0 = Topology.plan(fs, List.of()).firstMds();
        JsonNode config = new ObjectMapper(new YAMLFactory())
                .readTree(new ServerCloudInit().userData(new ServerContext(fs, mds0, null, null, null)));
        script = config.path("write_files").get(0).path("content").asText();
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre"))
                .containsExactly(
                        "mkfs.lustre --fsname=lfs1 --mgs --mdt --index=0 --mkfsoptions=-O mmp /dev/disk/by-id/virtio-lfs1-MDT0000");
        assertThat(calls("lctl set_param"))
                .containsExactly(
                        "lctl set_param mdt.lfs1-MDT0000.identity_upcall=NONE",
                        "lctl set_param osd-*.lfs1-MDT0000.quota_slave.root_prj_enable=1");
    }

    @Test
    void readyOnlyWhenTheBootFinishedAndEveryTargetIsMountedAndOutOfRecovery() throws Exception {
        assertThat(ready()).as("before the boot script ran").isNotZero();
        assertThat(boot(Map.of())).isZero();
        assertThat(ready()).isZero();

        Files.writeString(state.resolve("recovery").resolve("scratch-OST0003"), "RECOVERING\n");
        assertThat(ready()).as("OST0003 in recovery").isNotZero();
        assertThat(output).contains("scratch-OST0003 recovery: RECOVERING");
        Files.writeString(state.resolve("recovery").resolve("scratch-OST0003"), "COMPLETE\n");
        assertThat(ready()).isZero();

        Files.delete(state.resolve("mounted").resolve("_lustre_targets_scratch-OST0002"));
        assertThat(ready()).as("OST0002 not mounted").isNotZero();
    }
}
