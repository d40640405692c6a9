package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(nets.interfaces()).extracting(LnetNetworks.LocalNi::nid)
                .containsExactly("192.168.10.5@o2ib", "10.0.0.5@tcp");
        assertThat(nets.hasNetworkType("o2ib")).isTrue();
        assertThat(nets.hasNetworkType("tcp")).isFalse(); // down
        assertThat(nets.onInterface("ib0")).get().extracting(LnetNetworks.LocalNi::net).isEqualTo("o2ib");
        assertThat(nets.nets()).containsExactly("o2ib", "tcp");
    }

    @Test
    void emptyWhenOnlyLoopback() {
        LnetNetworks nets = LnetNetworks.parseNetShow("net:\n    - net type: lo\n      local NI(s):\n        - nid: 0@lo\n          status: up\n");
        assertThat(nets.interfaces()).isEmpty();
    }
}
