package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OstDrainCommandsTest {
    private final OstDrainCommands drain = new OstDrainCommands(ToolPaths.standard());
    private final FsName fs = new FsName("lfs1");

    @Test
    void linesFollowTheManualsOstRemovalProcedure() {
        assertThat(drain.setMaxCreateCount(fs, 3, 0, 0))
                .containsExactly("lctl", "set_param", "osp.lfs1-OST0003-osc-MDT0000.max_create_count=0");
        assertThat(drain.findFilesOnOst(fs, 3, "/lustre/client"))
                .containsExactly("lfs", "find", "--ost", "lfs1-OST0003_UUID", "--type", "f", "/lustre/client");
        assertThat(drain.migrate(List.of("/lustre/client/a", "/lustre/client/-b")))
                .containsExactly("lfs", "migrate", "--non-block", "--", "/lustre/client/a", "/lustre/client/-b");
        assertThat(drain.deactivatePermanently(fs, 3))
                .containsExactly("lctl", "conf_param", "lfs1-OST0003.osc.active=0");
    }

    @Test
    void refusesRelativePathsAndNothingToMigrate() {
        assertThatThrownBy(() -> drain.migrate(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> drain.migrate(List.of("-rf"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> drain.setMaxCreateCount(fs, 1, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
