package dev.lustrecsi.csi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * On a host-network pod (the node plugin, the controller) the metrics server shares the node's interfaces:
 * {@code --metrics-address} confines it to one address; without it every interface serves, as before.
 */
class MetricsServerAddressTest {

    @Test
    void metricsBoundToOneAddressAreNotServedOnAnotherAddressOfTheSameHost() throws IOException {
        int port = freePort();
        HTTPServer server = PluginRunner.startMetrics(
                options("--metrics-port=" + port, "--metrics-address=127.0.0.1"), new PrometheusRegistry());
        try {
            assertThat(status("127.0.0.1", port)).isEqualTo(200);
            // 127.0.0.2 is this host too (Linux routes all of 127/8 to lo), just not the bound address.
            assertThatThrownBy(() -> connect("127.0.0.2", port)).isInstanceOf(ConnectException.class);
        } finally {
            server.stop();
        }
    }

    @Test
    void withoutAnAddressMetricsAreServedOnEveryInterface() throws IOException {
        int port = freePort();
        CommonOptions o = options("--metrics-port=" + port);
        assertThat(o.metricsAddress()).isEqualTo("0.0.0.0");
        HTTPServer server = PluginRunner.startMetrics(o, new PrometheusRegistry());
        try {
            assertThat(status("127.0.0.1", port)).isEqualTo(200);
            assertThat(status("127.0.0.2", port)).isEqualTo(200);
        } finally {
            server.stop();
        }
    }

    @Test
    void portZeroServesNoMetrics() throws IOException {
        assertThat(PluginRunner.startMetrics(options("--metrics-address=127.0.0.1"), new PrometheusRegistry()))
                .isNull();
    }

    private static CommonOptions options(String... args) {
        return CommandLine.populateCommand(new CommonOptions(), args);
    }

    private static int status(String host, int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection)
                URI.create("http://" + host + ":" + port + "/metrics").toURL().openConnection();
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
