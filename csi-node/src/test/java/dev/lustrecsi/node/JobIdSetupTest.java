package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.JobIdCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The node-wide jobstats settings that make each pod's LUSTRE_JOBID its Lustre job id. */
@ExtendWith(NodePluginExtension.class)
class JobIdSetupTest {

    private static String current(NodePlugin plugin) {
        return new ProcessCommandRunner()
                .run(new JobIdCommands(plugin.standIns.toolPaths()).show(), Duration.ofSeconds(5))
                .stdout();
    }

    @Test
    void setsJobIdVarAndFallbackOnceTheClientModulesAreLoaded(NodePlugin plugin) {
        JobIdSetup setup = new JobIdSetup(
                new ProcessCommandRunner(),
                plugin.standIns.toolPaths(),
                Optional.of(JobIdSetup.DEFAULT_VAR),
                JobIdSetup.DEFAULT_NAME,
                Duration.ofSeconds(5));

        // Before `modprobe lustre` the parameters do not exist: not done, tried again later.
        assertThat(setup.apply()).isFalse();

        assertThat(plugin.lnet.ensureConfigured().ready()).isTrue();
        assertThat(setup.apply()).isTrue();

        assertThat(current(plugin)).isEqualTo("LUSTRE_JOBID\n%e.%u\n");
        assertThat(plugin.standIns.calls("lctl"))
                .contains("argv: set_param jobid_var=LUSTRE_JOBID", "argv: set_param jobid_name=%e.%u");
    }

    @Test
    void anEmptyVariableLeavesTheNodesSettingsAlone(NodePlugin plugin) {
        plugin.lnet.ensureConfigured();
        JobIdSetup setup = new JobIdSetup(
                new ProcessCommandRunner(),
                plugin.standIns.toolPaths(),
                Optional.empty(),
                JobIdSetup.DEFAULT_NAME,
                Duration.ofSeconds(5));

        assertThat(setup.apply()).isTrue();

        assertThat(plugin.standIns.calls("lctl")).noneMatch(l -> l.contains("set_param"));
        assertThat(current(plugin)).isEqualTo("disable\n%e.%u\n");
    }

    @Test
    void aBadSettingStopsThePluginAtStart(NodePlugin plugin) {
        assertThatThrownBy(() -> new JobIdSetup(
                        new ProcessCommandRunner(),
                        plugin.standIns.toolPaths(),
                        Optional.of("JOB ID"),
                        JobIdSetup.DEFAULT_NAME,
                        Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
