package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lustrecsi.lustre.MgsNids;
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
     * Stand-ins with the real tools' names, argument syntax, exit codes and output:
     * - blkid(8) -p: exit 2 when no signature; -s LABEL prints the label.
     * - mkfs.lustre: its ldiskfs backend runs mke2fs -L <svname> first (svname fs:OST0002 before registration) and
     *   writes the Lustre configuration last (lustre-release lustre/utils/libmount_utils_ldiskfs.c,
     *   ldiskfs_make_lustre); refuses a Lustre-formatted device without --reformat. MKFS_INTERRUPT=1 stops it
     *   after the mke2fs step, as a VM killed mid-format would. {@code --mkfsoptions=-O mmp} reaches mke2fs.
     * - dumpe2fs -h: the "Filesystem features:" line (e2fsprogs lib/e2p/ls.c), mmp in it when on;
     *   tune2fs -O mmp turns it on (e2fsprogs test t_mmp_1on).
     * - tunefs.lustre --dryrun: exit 0 with the configuration, 19 "has not been formatted with mkfs.lustre"
     *   without (real 2.17.0 transcripts 217/220).
     * - lnetctl net show --net N: with N configured, the YAML of transcript 007 (exit 0); without it, 2.17.0
     *   prints errno -3 "Network is down" on stderr and exits 234 (transcripts 008/009); LNET_SHOW_MISSING=0
     *   makes a missing net exit 0 with no NI, as the issue reads the 2.15 sources (show_net in lnetctl.c).
     *   net add of an existing net: errno -17 "cannot add LNet NI", exit 234 (transcript 019).
     * - lctl get_param -n mdt|obdfilter.<t>.recovery_status: "status: <S>" from state/recovery/<t>
     *   (Lustre Operations Manual, recovery_status), COMPLETE when unset.
     */
    private static final Map<String, String> STANDINS = Map.ofEntries(
            Map.entry("blkid", """
                    dev="${@: -1}"; f="$STATE/disks/$(echo "$dev" | tr / _)"
                    [ -n "${BLKID_FAIL:-}" ] && exit 4
                    [ -f "$f" ] || exit 2
                    if [ "$3" = LABEL ]; then sed -n 's/^label=//p' "$f"; else sed -n 's/^type=//p' "$f"; fi
                    """),
            Map.entry("mkfs.lustre", """
                    echo "mkfs.lustre $*" >> "$STATE/calls"
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    if grep -q '^lustre=' "$f" 2>/dev/null && [[ " $* " != *" --reformat "* ]]; then
                      echo "mkfs.lustre FATAL: ${@: -1} is already formatted with Lustre; use --reformat" >&2; exit 22
                    fi
                    fs=""; kind=""; idx=0
                    for a in "$@"; do case "$a" in --fsname=*) fs="${a#--fsname=}";; --ost) kind=OST;; --mdt) kind=MDT;;
                      --index=*) idx="${a#--index=}";; esac; done
                    if [ -n "$kind" ]; then label="$(printf '%s:%s%04x' "$fs" "$kind" "$idx")"; else label=MGS; fi
                    printf 'type=ext4\nlabel=%s\n' "$label" > "$f"
                    [[ " $* " == *" --mkfsoptions=-O mmp "* ]] && echo "features=mmp" >> "$f"
                    [ -n "${MKFS_INTERRUPT:-}" ] && kill -9 $$
                    echo "lustre=$label" >> "$f"
                    """),
            Map.entry("tunefs.lustre", """
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    echo "checking for existing Lustre data: $(grep -q '^lustre=' "$f" 2>/dev/null && echo found || echo not found)"
                    grep -q '^lustre=' "$f" 2>/dev/null && exit 0
                    echo "tunefs.lustre FATAL: Device ${@: -1} has not been formatted with mkfs.lustre" >&2; exit 19
                    """),
            Map.entry("dumpe2fs", """
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    [ -f "$f" ] || exit 1
                    echo "Filesystem features:      has_journal ext_attr dir_index filetype $(sed -n 's/^features=//p' "$f") extent"
                    """),
            Map.entry("tune2fs", """
                    echo "tune2fs $*" >> "$STATE/calls"
                    f="$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    [ "$1 $2" = "-O mmp" ] && ! grep -q '^features=mmp' "$f" && echo "features=mmp" >> "$f"
                    exit 0
                    """),
            Map.entry("mount", """
                    echo "mount $*" >> "$STATE/calls"
                    touch "$STATE/mounted/$(echo "${@: -1}" | tr / _)"
                    """),
            Map.entry("mountpoint", """
                    [ -f "$STATE/mounted/$(echo "${@: -1}" | tr / _)" ]
                    """),
            Map.entry("modprobe", "echo \"modprobe $*\" >> \"$STATE/calls\"\n"),
            Map.entry("lnetctl", """
                    echo "lnetctl $*" >> "$STATE/calls"
                    case "$1 $2" in
                      "net show")
                        if [ -f "$STATE/lnet-$4" ]; then
                          printf 'net:\n-     net type: %s\n      local NI(s):\n      -     nid: 192.168.50.13@%s\n            status: up\n' "$4" "$4"
                          exit 0
                        fi
                        [ "${LNET_SHOW_MISSING:-234}" = 0 ] && exit 0
                        printf -- '---\nshow:\n-     net:\n      errno: -3\n      descr: ! "Network is down"\n...\n' >&2; exit 234;;
                      "net add")
                        if [ -f "$STATE/lnet-$4" ]; then
                          printf -- '---\nadd:\n-     net:\n      errno: -17\n      descr: ! "cannot add LNet NI"\n...\n' >&2; exit 234
                        fi
                        touch "$STATE/lnet-$4";;
                    esac
                    """),
            Map.entry("lctl", """
                    echo "lctl $*" >> "$STATE/calls"
                    if [ "$1 $2" = "get_param -n" ]; then
                      t="$(echo "$3" | cut -d. -f2)"
                      echo "status: $(cat "$STATE/recovery/$t" 2>/dev/null || echo COMPLETE)"
                    fi
                    """),
            Map.entry("sleep", "echo \"sleep $*\" >> \"$STATE/calls\"\n"),
            Map.entry("udevadm", "true\n"),
            Map.entry("mkdir", "true\n"),
            // systemctl is-active: the unit is active once the boot script exited 0 (state/unit-active).
            Map.entry("systemctl", "[ -f \"$STATE/unit-active\" ]\n"));

    @BeforeEach
    void standIns() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        state = Files.createDirectories(tmp.resolve("state"));
        Files.createDirectories(state.resolve("disks"));
        Files.createDirectories(state.resolve("mounted"));
        Files.createDirectories(state.resolve("recovery"));
        for (var e : STANDINS.entrySet()) {
            Path p = bin.resolve(e.getKey());
            Files.writeString(p, "#!/bin/bash\n" + e.getValue());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        ServerPlan oss1 = Topology.plan(fs, List.of()).server("scr-oss1").orElseThrow();
        String userData = new ServerCloudInit()
                .userData(new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null));
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(userData);
        for (JsonNode f : config.path("write_files")) {
            if (f.path("path").asText().equals(ServerCloudInit.SCRIPT_PATH)) {
                script = f.path("content").asText();
            } else if (f.path("path").asText().equals(ServerCloudInit.READY_PATH)) {
                readyScript = f.path("content").asText();
            } else {
                unit = f.path("content").asText();
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
        // Nothing stays mounted, LNet is down, the unit has not run yet.
        try (var s = Files.list(state.resolve("mounted"))) {
            for (Path m : s.toList()) {
                Files.delete(m);
            }
        }
        try (var s = Files.list(state)) {
            for (Path m : s.filter(p -> p.getFileName().toString().startsWith("lnet-"))
                    .toList()) {
                Files.delete(m);
            }
        }
        Files.deleteIfExists(state.resolve("unit-active"));
    }

    private int ready() throws Exception {
        return run(readyScript, "lustre-server-ready", Map.of());
    }

    private int run(String content, String name, Map<String, String> env) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
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

    private List<String> calls(String prefix) throws IOException {
        Path calls = state.resolve("calls");
        if (!Files.exists(calls)) {
            return List.of();
        }
        return Files.readAllLines(calls, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith(prefix))
                .toList();
    }

    private void disk(String serial, String content) throws IOException {
        Files.writeString(state.resolve("disks").resolve("_dev_disk_by-id_virtio-" + serial), content);
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
                "#!/bin/bash\necho \"sleep $*\" >> \"$STATE/calls\"\n"
                        + "[ \"$(grep -c '^sleep' \"$STATE/calls\")\" -ge 3 ] && kill -TERM $PPID\nexit 0\n");
        assertThat(boot(Map.of())).isNotZero();
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("sleep")).as("retried inside the script, 15 s apart").contains("sleep 15");
        assertThat(output).contains("holds a filesystem that is not a Lustre target (label 'backup'): not formatting");
    }

    @Test
    void aDiskThatCannotBeProbedIsNeverFormatted() throws Exception {
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\nkill -TERM $PPID\n");
        assertThat(boot(Map.of("BLKID_FAIL", "1"))).isNotZero();
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("mount")).isEmpty();
    }

    @Test
    void aFirstFormatInterruptedBeforeLustreWroteItsConfigurationIsFormattedAgainAndMounted() throws Exception {
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\nkill -TERM $PPID\n");
        assertThat(boot(Map.of("MKFS_INTERRUPT", "1")))
                .as("the VM dies during mkfs.lustre")
                .isNotZero();
        assertThat(calls("mount")).isEmpty();

        reboot();
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\ntrue\n");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre"))
                .contains(
                        "mkfs.lustre --reformat --fsname=scratch --ost --index=2 --mgsnode=192.168.50.10@o2ib --mkfsoptions=-O mmp /dev/disk/by-id/virtio-scratch-OST0002");
        assertThat(calls("mount"))
                .contains("mount -t lustre /dev/disk/by-id/virtio-scratch-OST0002 /lustre/targets/scratch-OST0002");
    }

    @Test
    void aCompleteLustreTargetIsMountedAsItIs() throws Exception {
        disk("scratch-OST0002", "type=ext4\nlabel=scratch-OST0002\nlustre=scratch-OST0002\n");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).singleElement().asString().endsWith("virtio-scratch-OST0003");
        assertThat(calls("mount")).hasSize(2);
    }

    @Test
    void everyTargetIsFormattedWithMultiMountProtectionAndAnOlderTargetGetsItBeforeItsMount() throws Exception {
        // OST0002 was formatted without MMP (by an older operator); OST0003 is blank.
        disk("scratch-OST0002", "type=ext4\nlabel=scratch-OST0002\nlustre=scratch-OST0002\n");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).singleElement().asString().contains(" --mkfsoptions=-O mmp ");
        assertThat(calls("tune2fs"))
                .as("only the target without MMP is tuned, before it is mounted")
                .containsExactly("tune2fs -O mmp /dev/disk/by-id/virtio-scratch-OST0002");
        List<String> order = Files.readAllLines(state.resolve("calls")).stream()
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
        // 2.15-style: a show that matches nothing exits 0; deciding by the exit code would skip the add.
        assertThat(boot(Map.of("LNET_SHOW_MISSING", "0"))).isZero();
        assertThat(calls("lnetctl net add")).containsExactly("lnetctl net add --net o2ib --if lnet0");
    }

    @Test
    void anAttemptThatFindsLnetAlreadyUpDoesNotAddItAgain() throws Exception {
        Files.writeString(state.resolve("lnet-o2ib"), "");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("lnetctl net add")).isEmpty();
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
