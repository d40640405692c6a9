package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Phase;
import org.junit.jupiter.api.Test;

/** The Event reasons users and dashboards see are the names they always were. */
class EventReasonTest {
    @Test
    void enteringAPhaseIsReportedAsPhaseFollowedByThePhaseName() {
        for (Phase phase : Phase.values()) {
            assertThat(EventReason.enteredPhase(phase).name()).isEqualTo("Phase" + phase.name());
        }
    }

    @Test
    void scaleAndRecoveryStepsKeepTheReasonsTheDashboardCounts() {
        assertThat(EventReason.ServerCreated.name()).isEqualTo("ServerCreated");
        assertThat(EventReason.ServerRemoved.name()).isEqualTo("ServerRemoved");
        assertThat(EventReason.ServerRecreated.name()).isEqualTo("ServerRecreated");
    }
}
