package dev.lustrecsi.lustre.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {

    private static final String SAMPLE = """
            22 27 0:21 / /proc rw,relatime shared:5 - proc proc rw
            27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
            301 27 0:77 / /var/lib/kubelet/plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/abc/globalmount rw,relatime shared:190 - lustre 10.0.0.1@tcp:10.0.0.2@tcp:/fs1/pvc-1 rw,flock,lazystatfs
            302 27 0:77 / /var/lib/kubelet/pods/uid-1/volumes/kubernetes.io~csi/pvc-1/mount ro,relatime shared:190 - lustre 10.0.0.1@tcp:10.0.0.2@tcp:/fs1/pvc-1 rw,flock
            303 27 0:78 /pvc-2 /mnt/with\\040space\\011tab\\134back rw - tmpfs 10.0.0.1@tcp:/fs1 rw
            """;

    @Test
    void parsesFieldsAroundOptionalFieldsAndTheSeparator() {
        List<MountInfo> mounts = MountTable.parse(SAMPLE);
        assertThat(mounts).hasSize(5);
        MountInfo staged = mounts.get(2);
        assertThat(staged.mountId()).isEqualTo(301);
        assertThat(staged.parentId()).isEqualTo(27);
        assertThat(staged.device()).isEqualTo("0:77");
        assertThat(staged.optionalFields()).containsExactly("shared:190");
        assertThat(staged.fsType()).isEqualTo("lustre");
        assertThat(staged.source()).isEqualTo("10.0.0.1@tcp:10.0.0.2@tcp:/fs1/pvc-1");
        assertThat(staged.superOptions()).isEqualTo("rw,flock,lazystatfs");
        assertThat(staged.readOnly()).isFalse();
        assertThat(mounts.get(3).readOnly()).isTrue();
        assertThat(mounts.get(4).optionalFields()).isEmpty();
    }

    @Test
    void decodesOctalEscapesInPaths() {
        MountInfo m = MountTable.parse(SAMPLE).get(4);
        assertThat(m.mountPoint()).isEqualTo(Path.of("/mnt/with space\ttab\\back"));
    }

    @Test
    void lustreFilesetCombinesSourceAndBindRoot() {
        List<MountInfo> mounts = MountTable.parse(SAMPLE);
        assertThat(mounts.get(2).lustreFileset()).contains("/fs1/pvc-1");
        // A bind of a subdirectory of a whole-filesystem mount names the same fileset.
        assertThat(mounts.get(4).lustreFileset()).contains("/fs1/pvc-2");
        assertThat(mounts.get(1).lustreFileset()).isEmpty();
        assertThat(mounts.get(0).lustreFileset()).isEmpty();
    }

    @Test
    void mountAtFindsTheTopmostOfStackedMounts(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mountinfo");
        Files.writeString(file, SAMPLE + "304 303 0:79 / /mnt/with\\040space\\011tab\\134back rw - tmpfs other rw\n");
        MountTable table = new MountTable(file);
        Path point = Path.of("/mnt/with space\ttab\\back");
        assertThat(table.mountAt(point)).get().extracting(MountInfo::mountId).isEqualTo(304);
        assertThat(table.countAt(point)).isEqualTo(2);
        assertThat(table.mountAt(Path.of("/mnt/other"))).isEmpty();
        assertThat(table.mountAt(Path.of("/proc/../proc")))
                .get()
                .extracting(MountInfo::fsType)
                .isEqualTo("proc");
    }

    @Test
    void rejectsAMalformedLine() {
        assertThatThrownBy(() -> MountTable.parseLine("1 2 3 / /x rw")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsThisProcessesRealMountTable() {
        assertThat(new MountTable().read()).anyMatch(m -> m.mountPoint().equals(Path.of("/")));
    }
}
