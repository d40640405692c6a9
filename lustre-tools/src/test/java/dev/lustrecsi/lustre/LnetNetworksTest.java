package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.testing.RecordedOutput;
import java.util.List;
import org.junit.jupiter.api.Test;

class LnetNetworksTest {

    @Test
    void parsesLnetctlNetShow() {
        String yaml = """
                net:
                    - net type: lo
                      local NI(s):
                        - nid: 0@lo
                          status: up
                    - net type: o2ib
                      local NI(s):
                        - nid: 192.168.10.5@o2ib
                          status: up
                          interfaces:
                              0: ib0
                    - net type: tcp
                      local NI(s):
                        - nid: 10.0.0.5@tcp
                          status: down
                          interfaces:
                              0: eth0
                """;
        LnetNetworks nets = LnetNetworks.parseNetShow(yaml);
        assertThat(nets.interfaces())
                .extracting(LnetNetworks.LocalNi::nid)
                .containsExactly("192.168.10.5@o2ib", "10.0.0.5@tcp");
        assertThat(nets.hasNetworkType("o2ib")).isTrue();
        assertThat(nets.hasNetworkType("tcp")).isFalse(); // down
        assertThat(nets.onInterface("ib0"))
                .get()
                .extracting(LnetNetworks.LocalNi::net)
                .isEqualTo("o2ib");
        assertThat(nets.nets()).containsExactly("o2ib", "tcp");
    }

    @Test
    void emptyWhenOnlyLoopback() {
        LnetNetworks nets = LnetNetworks.parseNetShow(
                "net:\n    - net type: lo\n      local NI(s):\n        - nid: 0@lo\n          status: up\n");
        assertThat(nets.interfaces()).isEmpty();
    }

    @Test
    void parsesTheLayoutOfLnetctl217() {
        LnetNetworks nets = LnetNetworks.parseNetShow(RecordedOutput.of("006").stdout());
        assertThat(nets.interfaces()).singleElement().satisfies(ni -> {
            assertThat(ni.nid()).isEqualTo("10.0.2.15@tcp");
            assertThat(ni.isUp()).isTrue();
            assertThat(ni.interfaces()).containsExactly("eth0");
        });
        assertThat(nets.hasNi("tcp", "eth0")).isTrue();
        assertThat(nets.hasNi("tcp", "eth1")).isFalse();
        assertThat(LnetNetworks.parseNetShow(RecordedOutput.of("007").stdout()).nets())
                .containsExactly("tcp");
        // 232: after `lnetctl net del --net tcp` only the loopback is left.
        assertThat(LnetNetworks.parseNetShow(RecordedOutput.of("232").stdout()).interfaces())
                .isEmpty();
    }

    @Test
    void aNetAddThatFindsTheNiThereIsRecognisedByItsErrnoNotItsExitCode() {
        RecordedOutput existing = RecordedOutput.of("019");
        RecordedOutput badInterface = RecordedOutput.of("020");
        assertThat(existing.exitCode()).isEqualTo(badInterface.exitCode()).as("both exit 234");
        assertThat(LnetctlCommands.alreadyAdded(result(existing))).isTrue();
        assertThat(LnetctlCommands.alreadyAdded(result(badInterface))).isFalse();
    }

    private static CommandResult result(RecordedOutput r) {
        return new CommandResult(List.of("lnetctl"), r.exitCode(), r.stdout(), r.stderr(), false);
    }
}
