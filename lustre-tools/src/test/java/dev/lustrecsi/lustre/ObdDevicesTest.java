package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.testing.RecordedOutput;
import org.junit.jupiter.api.Test;

class ObdDevicesTest {

    @Test
    void aClientMountTakesAnLovAnLmvAnMdcPerMdtAndAnOscPerOstAsLctlDlShows() {
        // Real `lctl dl` of a node serving and mounting one MDT and two OSTs: the client's devices carry the
        // superblock instance in their names.
        long clientDevices = RecordedOutput.of("029")
                .stdout()
                .lines()
                .filter(l -> l.contains("-ff2f57309251d000 "))
                .count();
        assertThat(clientDevices).isEqualTo(ObdDevices.perClientMount(1, 2)).isEqualTo(5);
    }

    @Test
    void theBudgetAllowsAFewHundredMountsOfATypicalFilesystem() {
        assertThat(ObdDevices.maxClientMounts(1, 32))
                .isEqualTo((8192 - 64) / 35)
                .isEqualTo(232);
        assertThat(ObdDevices.maxClientMounts(1, 1)).isEqualTo(8128 / 4);
        assertThat(ObdDevices.maxClientMounts(4, 256)).isEqualTo(31);
        assertThatThrownBy(() -> ObdDevices.perClientMount(0, 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
