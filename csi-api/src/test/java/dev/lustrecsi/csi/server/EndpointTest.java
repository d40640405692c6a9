package dev.lustrecsi.csi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void acceptsTheSpellingsTheSidecarsUse() {
        assertThat(Endpoint.parse("unix:///csi/csi.sock").socketPath()).isEqualTo(Path.of("/csi/csi.sock"));
        assertThat(Endpoint.parse("unix:/csi/csi.sock").socketPath()).isEqualTo(Path.of("/csi/csi.sock"));
        assertThat(Endpoint.parse("/csi/csi.sock").uri()).isEqualTo("unix:///csi/csi.sock");
    }

    @Test
    void rejectsTcpAndRelativeEndpoints() {
        assertThatThrownBy(() -> Endpoint.parse("tcp://127.0.0.1:10000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Endpoint.parse("unix://csi.sock")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Endpoint.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
