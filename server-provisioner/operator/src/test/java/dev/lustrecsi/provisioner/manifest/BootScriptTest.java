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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the boot script from a server's cloud-init under bash with stand-ins for blkid, mkfs.lustre, mount,
 * lnetctl… first on PATH (they record calls and keep the "disks" in a state directory). Proves the script
 * formats blank target disks once, mounts them at every boot, and never formats a disk holding anything.
 */
class BootScriptTest {
    @TempDir
    Path tmp;
    private Path bin;
    private Path state;
    private String script;

    private static final Map<String, String> STANDINS = Map.of(
            "blkid", """
                    dev="${@: -1}"; f="$STATE/disks/$(echo "$dev" | tr / _)"
                    [ -n "${BLKID_FAIL:-}" ] && exit 4
                    [ -f "$f" ] || exit 2
                    cat "$f"
                    """,
            "mkfs.lustre", """
                    echo "mkfs.lustre $*" >> "$STATE/calls"
                    echo lustre > "$STATE/disks/$(echo "${@: -1}" | tr / _)"
                    """,
            "mount", """
                    echo "mount $*" >> "$STATE/calls"
                    touch "$STATE/mounted/$(echo "${@: -1}" | tr / _)"
                    """,
            "mountpoint", """
                    [ -f "$STATE/mounted/$(echo "${@: -1}" | tr / _)" ]
                    """,
            "modprobe", "echo \"modprobe $*\" >> \"$STATE/calls\"\n",
            "lnetctl", """
                    echo "lnetctl $*" >> "$STATE/calls"
                    [ "$2" != show ]
                    """,
            "udevadm", "true\n",
            "mkdir", "true\n");

    @BeforeEach
    void standIns() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        state = Files.createDirectories(tmp.resolve("state"));
        Files.createDirectories(state.resolve("disks"));
        Files.createDirectories(state.resolve("mounted"));
        for (var e : STANDINS.entrySet()) {
            Path p = bin.resolve(e.getKey());
            Files.writeString(p, "#!/bin/bash\n" + e.getValue());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        ServerPlan oss1 = Topology.plan(fs, List.of()).server("scr-oss1").orElseThrow();
        String userData = new ServerCloudInit().userData(
                new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null));
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(userData);
        script = config.path("write_files").get(0).path("content").asText();
    }

    private int boot(Map<String, String> env) throws Exception {
        Path file = tmp.resolve("lustre-server-up");
        Files.writeString(file, script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("STATE", state.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        // A reboot: nothing stays mounted.
        int rc = p.waitFor();
        try (var s = Files.list(state.resolve("mounted"))) {
            for (Path m : s.toList()) {
                Files.delete(m);
            }
        }
        return rc;
    }

    private List<String> calls(String prefix) throws IOException {
        Path calls = state.resolve("calls");
        if (!Files.exists(calls)) {
            return List.of();
        }
        return Files.readAllLines(calls, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void formatsBlankDisksOnFirstBootAndOnlyMountsAfterwards() throws Exception {
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).containsExactly(
                "mkfs.lustre --fsname=scratch --ost --index=2 --mgsnode=192.168.50.10@o2ib /dev/disk/by-id/virtio-scratch-OST0002",
                "mkfs.lustre --fsname=scratch --ost --index=3 --mgsnode=192.168.50.10@o2ib /dev/disk/by-id/virtio-scratch-OST0003");
        assertThat(calls("lnetctl net add")).containsExactly("lnetctl net add --net o2ib --if lnet0");
        assertThat(calls("mount")).hasSize(2);

        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).as("a reboot never reformats").hasSize(2);
        assertThat(calls("mount")).as("a reboot mounts the targets again").hasSize(4)
                .contains("mount -t lustre /dev/disk/by-id/virtio-scratch-OST0003 /lustre/targets/scratch-OST0003");
    }

    @Test
    void aDiskWithAnySignatureIsNeverFormatted() throws Exception {
        Files.writeString(state.resolve("disks").resolve("_dev_disk_by-id_virtio-scratch-OST0002"), "ext4\n");
        assertThat(boot(Map.of())).isZero();
        assertThat(calls("mkfs.lustre")).singleElement().asString().endsWith("virtio-scratch-OST0003");
    }

    @Test
    void aDiskThatCannotBeProbedStopsTheBootWithoutFormatting() throws Exception {
        assertThat(boot(Map.of("BLKID_FAIL", "1"))).isNotZero();
        assertThat(calls("mkfs.lustre")).isEmpty();
        assertThat(calls("mount")).isEmpty();
    }
}
