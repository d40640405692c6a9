package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MkfsLustreCommandsTest {
    private final MkfsLustreCommands mkfs = new MkfsLustreCommands(ToolPaths.standard());
    private final FsName fs = new FsName("lfs1");

    @Test
    void combinedMgsAndMdt0NeedsNoMgsnode() {
        assertThat(mkfs.formatMgtAndMdt0(fs, "/dev/vdc"))
                .containsExactly("mkfs.lustre", "--fsname=lfs1", "--mgs", "--mdt", "--index=0", "/dev/vdc");
        assertThat(mkfs.formatMgt("/dev/vdc")).containsExactly("mkfs.lustre", "--mgs", "/dev/vdc");
    }

    @Test
    void targetsNameEachMgsNodeWithItsNids() {
        MgsNids mgs = MgsNids.parse("10.0.0.5@tcp,192.168.1.5@o2ib:10.0.0.6@tcp");
        assertThat(mkfs.formatOst(fs, 10, mgs, "/dev/disk/by-id/virtio-lfs1-OST000a"))
                .containsExactly(
                        "mkfs.lustre",
                        "--fsname=lfs1",
                        "--ost",
                        "--index=10",
                        "--mgsnode=10.0.0.5@tcp,192.168.1.5@o2ib",
                        "--mgsnode=10.0.0.6@tcp",
                        "/dev/disk/by-id/virtio-lfs1-OST000a");
        assertThat(mkfs.formatMdt(fs, 1, MgsNids.parse("10.0.0.5@tcp"), "/dev/vdc"))
                .containsExactly(
                        "mkfs.lustre", "--fsname=lfs1", "--mdt", "--index=1", "--mgsnode=10.0.0.5@tcp", "/dev/vdc");
    }

    @Test
    void neverReformatsAndRefusesOddDevices() {
        assertThat(mkfs.formatOst(fs, 0, MgsNids.parse("10.0.0.5@tcp"), "/dev/vdc"))
                .doesNotContain("--reformat");
        assertThatThrownBy(() -> mkfs.formatMgt("vdc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mkfs.formatMgt("/dev/../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mkfs.formatOst(fs, 70000, MgsNids.parse("10.0.0.5@tcp"), "/dev/vdc"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void targetNamesUseFourHexDigits() {
        assertThat(MkfsLustreCommands.targetName(fs, "OST", 26)).isEqualTo("lfs1-OST001a");
        assertThat(MkfsLustreCommands.targetName(fs, "MDT", 0)).isEqualTo("lfs1-MDT0000");
    }

    @Test
    void aTargetThatCanMoveBetweenNodesIsFormattedWithMultiMountProtection() {
        assertThat(MkfsLustreCommands.withMultiMountProtection(
                        mkfs.formatOst(fs, 3, MgsNids.parse("10.0.0.5@tcp"), "/dev/vdd")))
                .containsExactly(
                        "mkfs.lustre",
                        "--fsname=lfs1",
                        "--ost",
                        "--index=3",
                        "--mgsnode=10.0.0.5@tcp",
                        "--mkfsoptions=-O mmp",
                        "/dev/vdd");
        assertThat(MkfsLustreCommands.withMultiMountProtection(mkfs.formatMgtAndMdt0(fs, "/dev/vdc")))
                .endsWith("--mkfsoptions=-O mmp", "/dev/vdc");
        // mkfs.lustre takes one --mkfsoptions with one -O: a second would be refused, not merged.
        assertThatThrownBy(() -> MkfsLustreCommands.withMultiMountProtection(
                        MkfsLustreCommands.withMultiMountProtection(mkfs.formatMgt("/dev/vdc"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void existingTargetsAndZfsPoolsGetTheirOwnProtectionLines() {
        assertThat(MkfsLustreCommands.enableMultiMountProtection("/dev/vdd"))
                .containsExactly("tune2fs", "-O", "mmp", "/dev/vdd");
        assertThat(MkfsLustreCommands.zpoolMultihost("lfs1-ost3"))
                .containsExactly("zpool", "set", "multihost=on", "lfs1-ost3");
        assertThatThrownBy(() -> MkfsLustreCommands.zpoolMultihost("-f pool"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MkfsLustreCommands.enableMultiMountProtection("vdd"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTargetServedByAPairNamesBothServersAsServiceNodesAsTheRealToolExpects() {
        // The argument order of the real run in 210-mkfs.lustre-dryrun-ost.txt (Lustre 2.17), on a block device.
        List<String> argv = MkfsLustreCommands.withServiceNodes(
                mkfs.formatOst(fs, 3, MgsNids.parse("10.0.2.15@tcp:10.0.2.16@tcp"), "/dev/vdd"),
                List.of(List.of(Nid.parse("10.0.2.17@tcp")), List.of(Nid.parse("10.0.2.18@tcp"))));
        assertThat(argv)
                .containsExactly(
                        "mkfs.lustre",
                        "--fsname=lfs1",
                        "--ost",
                        "--index=3",
                        "--mgsnode=10.0.2.15@tcp",
                        "--mgsnode=10.0.2.16@tcp",
                        "--servicenode=10.0.2.17@tcp",
                        "--servicenode=10.0.2.18@tcp",
                        "/dev/vdd");
        assertThatThrownBy(() -> MkfsLustreCommands.withServiceNodes(
                        mkfs.formatMgt("/dev/vdc"), List.of(List.of(Nid.parse("10.0.2.17@tcp")))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MkfsLustreCommands.withServiceNodes(
                        argv, List.of(List.of(Nid.parse("10.0.2.17@tcp")), List.of(Nid.parse("10.0.2.18@tcp")))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
