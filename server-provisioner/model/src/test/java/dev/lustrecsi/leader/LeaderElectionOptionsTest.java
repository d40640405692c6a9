package dev.lustrecsi.leader;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The Lease flags as the controller's and the operator's command lines take them (both mix in this class). */
class LeaderElectionOptionsTest {
    @Command(name = "replica")
    static final class Replica {
        @Mixin
        LeaderElectionOptions leaderElection;
    }

    private static LeaderElectionOptions parse(String... args) {
        Replica r = new Replica();
        new CommandLine(r).parseArgs(args);
        return r.leaderElection;
    }

    @Test
    void withoutFlagsAReplicaCampaignsWithClientGoTimings() {
        LeaderElectionOptions o = parse();
        assertThat(o.enabled()).isTrue();
        assertThat(o.timing())
                .isEqualTo(
                        new Leadership.Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)));
    }

    @Test
    void theChartsFlagsAreTakenAsWritten() {
        LeaderElectionOptions o = parse(
                "--leader-election",
                "--leader-election-namespace=storage",
                "--leader-election-lease-duration=PT30S",
                "--leader-election-renew-deadline=PT20S",
                "--leader-election-retry-period=PT5S");
        assertThat(o.enabled()).isTrue();
        assertThat(o.namespace()).isEqualTo("storage");
        assertThat(o.timing())
                .isEqualTo(
                        new Leadership.Timing(Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofSeconds(5)));
    }

    @Test
    void noLeaderElectionTurnsCampaigningOff() {
        assertThat(parse("--no-leader-election").enabled()).isFalse();
        assertThat(parse("--leader-election=false").enabled()).isFalse();
    }
}
