package dev.lustrecsi.lustre.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import org.junit.jupiter.api.Test;

class LustreSourceTest {

    @Test
    void spellsTheMountSourceAsLustreExpects() {
        LustreSource s = new LustreSource(
                MgsNids.parse("10.0.0.1@tcp,192.168.1.1@o2ib:10.0.0.2@tcp"), new FsName("fs1"), "pvc-1");
        assertThat(s).hasToString("10.0.0.1@tcp,192.168.1.1@o2ib:10.0.0.2@tcp:/fs1/pvc-1");
        assertThat(LustreSource.wholeFilesystem(MgsNids.parse("10.0.0.1@tcp"), new FsName("fs1")))
                .hasToString("10.0.0.1@tcp:/fs1");
    }

    @Test
    void refusesSubdirectoriesThatEscapeTheFilesystem() {
        MgsNids nids = MgsNids.parse("10.0.0.1@tcp");
        assertThatThrownBy(() -> new LustreSource(nids, new FsName("fs1"), "../etc"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LustreSource(nids, new FsName("fs1"), "a/../../b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LustreSource(nids, new FsName("fs1"), "/abs"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LustreSource(nids, new FsName("fs1"), "a b"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recognisesItsMountWhateverTheNidSpelling() {
        LustreSource s = new LustreSource(MgsNids.parse("10.0.0.1@tcp"), new FsName("fs1"), "pvc-1");
        MountInfo same = MountTable.parseLine("1 2 0:5 / /m rw - lustre 10.0.0.1@tcp:10.0.0.2@tcp:/fs1/pvc-1 rw");
        MountInfo other = MountTable.parseLine("1 2 0:5 / /m rw - lustre 10.0.0.1@tcp:/fs1/pvc-2 rw");
        MountInfo otherFs = MountTable.parseLine("1 2 0:5 / /m rw - lustre 10.0.0.1@tcp:/fs2/pvc-1 rw");
        assertThat(s.isMountedAs(same)).isTrue();
        assertThat(s.isMountedAs(other)).isFalse();
        assertThat(s.isMountedAs(otherFs)).isFalse();
    }

    @Test
    void aMountIsFromThisSourceOnlyWithTheSameMgsNids() {
        LustreSource source = new LustreSource(MgsNids.parse("10.0.0.1@tcp:10.0.0.2@tcp"), new FsName("fs1"), "");
        assertThat(source.isMountedFrom(mount("10.0.0.2@tcp0:10.0.0.1@tcp:/fs1")))
                .as("order and tcp0 spelling")
                .isTrue();
        assertThat(source.isMountedFrom(mount("10.0.0.9@tcp:/fs1")))
                .as("the MGS moved")
                .isFalse();
        assertThat(source.isMountedAs(mount("10.0.0.9@tcp:/fs1")))
                .as("same fileset though")
                .isTrue();
        assertThat(source.isMountedFrom(mount("10.0.0.1@tcp:10.0.0.2@tcp:/fs2")))
                .isFalse();
    }

    private static MountInfo mount(String source) {
        return new MountInfo(
                1, 0, "0:50", "/", java.nio.file.Path.of("/mnt/p"), "rw", java.util.List.of(), "lustre", source, "rw");
    }
}
