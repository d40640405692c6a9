package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServerBootCommandsTest {
    private final ServerBootCommands boot = new ServerBootCommands(ToolPaths.standard());

    @Test
    void serverSettingsNameOneTargetAndRefuseAnythingElse() {
        assertThat(boot.trustClientIdentities("lfs1-MDT0000"))
                .containsExactly("lctl", "set_param", "mdt.lfs1-MDT0000.identity_upcall=NONE");
        assertThat(boot.enforceProjectQuotaForRoot("lfs1-OST000a"))
                .containsExactly("lctl", "set_param", "osd-*.lfs1-OST000a.quota_slave.root_prj_enable=1");
        assertThat(boot.recoveryStatus("lfs1-OST0001"))
                .containsExactly("lctl", "get_param", "-n", "obdfilter.lfs1-OST0001.recovery_status");
        assertThat(boot.recoveryStatus("lfs1-MDT0001"))
                .containsExactly("lctl", "get_param", "-n", "mdt.lfs1-MDT0001.recovery_status");
        assertThatThrownBy(() -> boot.trustClientIdentities("lfs1-OST0000"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> boot.enforceProjectQuotaForRoot("*")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> boot.recoveryStatus("lfs1-OST0000;reboot"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHalfFormattedTargetIsRecognisedByTheLabelMkfsLustreGivesItFirst() {
        FsName fs = new FsName("csifs");
        assertThat(MkfsLustreCommands.firstFormatLabel(fs, "OST", 3)).isEqualTo("csifs:OST0003");
        assertThat(MkfsLustreCommands.firstFormatLabel(fs, "MDT", 0)).isEqualTo("csifs:MDT0000");
        assertThat(MkfsLustreCommands.firstFormatLabel(fs, "MGT", 0)).isEqualTo("MGS");
        assertThat(MkfsLustreCommands.reformatting(List.of("mkfs.lustre", "--mgs", "/dev/vdc")))
                .containsExactly("mkfs.lustre", "--reformat", "--mgs", "/dev/vdc");
        assertThat(boot.checkLustreTarget("/dev/vdc")).containsExactly("tunefs.lustre", "--dryrun", "/dev/vdc");
    }

    @Test
    void projectQuotaIsEnforcedOnOstsAndMdtsOfTheFilesystem() {
        assertThat(new QuotaEnforcementCommands(ToolPaths.standard()).enforceProjectQuota(new FsName("lfs1")))
                .containsExactly(
                        List.of("lctl", "conf_param", "lfs1.quota.ost=p"),
                        List.of("lctl", "conf_param", "lfs1.quota.mdt=p"));
    }
}
