package dev.lustrecsi.provisioner.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.metrics.OperatorMetrics;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The operator's HTTP port: status page, /metrics, liveness and readiness; read-only; markup in data stays text. */
class OperatorHttpServerTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        h.close();
    }

    private HttpResponse<String> request(int port, String method, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPageMetricsAndProbesAndRefusesWrites() throws Exception {
        h.create(Fixtures.tcp("demo", 1));
        h.runUntilReady("demo", 60);
        PrometheusRegistry registry = new PrometheusRegistry();
        new OperatorMetrics(
                registry,
                () -> h.client()
                        .resources(LustreFileSystem.class)
                        .inAnyNamespace()
                        .list()
                        .getItems());
        AtomicBoolean ready = new AtomicBoolean(false);
        try (ClusterCache cache = synced(new ClusterCache(h.client(), null).start());
                OperatorHttpServer server = OperatorHttpServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        registry,
                        new StatusPage(() -> ClusterView.read(cache)),
                        ready::get)) {
            int port = server.port();
            HttpResponse<String> page = request(port, "GET", "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("id=\"fs-hpc-demo\"", "<td>lfs1-OST0000</td>");

            HttpResponse<String> metrics = request(port, "GET", "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Ready\"} 1.0");

            assertThat(request(port, "GET", "/healthz").statusCode()).isEqualTo(200);
            assertThat(request(port, "GET", "/readyz").statusCode()).isEqualTo(503);
            ready.set(true);
            assertThat(request(port, "GET", "/readyz").statusCode()).isEqualTo(200);

            assertThat(request(port, "POST", "/").statusCode()).isEqualTo(405);
            assertThat(request(port, "DELETE", "/metrics").statusCode()).isEqualTo(405);
            assertThat(request(port, "GET", "/admin").statusCode()).isEqualTo(404);
        }
    }

    /** The cache once its first LISTs are in. */
    static ClusterCache synced(ClusterCache cache) {
        await().atMost(Duration.ofSeconds(30)).until(cache::synced);
        return cache;
    }

    @Test
    void thePageIsServedFromTheInformersWithoutARequestToTheApiServerPerView() throws Exception {
        h.create(Fixtures.tcp("demo", 1));
        h.runUntilReady("demo", 60);
        AtomicInteger requests = new AtomicInteger();
        try (KubernetesClient counted = new KubernetesClientBuilder()
                        .withConfig(h.client().getConfiguration())
                        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count", new Interceptor() {
                            @Override
                            public void before(
                                    BasicBuilder builder,
                                    io.fabric8.kubernetes.client.http.HttpRequest request,
                                    Interceptor.RequestTags tags) {
                                requests.incrementAndGet();
                            }
                        }))
                        .build();
                ClusterCache cache = synced(new ClusterCache(counted, null).start());
                OperatorHttpServer server = OperatorHttpServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new PrometheusRegistry(),
                        new StatusPage(() -> ClusterView.read(cache)),
                        () -> true)) {
            assertThat(request(server.port(), "GET", "/").body()).contains("id=\"fs-hpc-demo\"");
            int afterStart = requests.get();
            for (int i = 0; i < 20; i++) {
                assertThat(request(server.port(), "GET", "/").statusCode()).isEqualTo(200);
            }
            assertThat(requests.get()).as("API requests while serving 20 pages").isEqualTo(afterStart);

            // A new filesystem shows up through the watches, still without a request per page.
            h.create(Fixtures.tcp("later", 1));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> request(server.port(), "GET", "/").body().contains("id=\"fs-hpc-later\""));
            assertThat(requests.get()).isEqualTo(afterStart);
        }
    }

    @Test
    void markupInResourceDataIsShownAsText() {
        LustreFileSystem fs = Fixtures.tcp("demo", 1);
        LustreFileSystemStatus st = new LustreFileSystemStatus();
        st.setPhase(Phase.Pending);
        st.getConditions()
                .add(new ConditionBuilder()
                        .withType(Conditions.SPEC_VALID)
                        .withStatus("False")
                        .withReason("InvalidSpec")
                        .withMessage("image \"<script>alert('x')</script>\" & <b>more</b>")
                        .build());
        fs.setStatus(st);
        String html = new StatusPage(() -> List.of(new ClusterView.FileSystem(fs, List.of(), List.of()))).render();
        assertThat(html)
                .doesNotContain("<script>", "<b>more</b>")
                .contains(
                        "image &quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; &amp; &lt;b&gt;more&lt;/b&gt;");
    }
}
