package dev.lustrecsi.provisioner.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status page as an admin's browser shows it: headless Chromium loads it from the operator's HTTP port,
 * over a mock cluster the real reconciler built (KubeVirt simulated). The screenshot is kept in the build
 * directory ({@code status-page.png}); docs/status-page.png is a copy of one.
 */
class StatusPageBrowserTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void showsEachFilesystemWithItsHealthServersTargetsAndClaims() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require();
        StatusScenario.build(h);
        try (ClusterCache cache = OperatorHttpServerTest.synced(new ClusterCache(h.client(), null).start());
                OperatorHttpServer http = OperatorHttpServer.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        new PrometheusRegistry(),
                        new StatusPage(() -> ClusterView.read(cache)),
                        () -> true)) {
            String url = "http://127.0.0.1:" + http.port() + "/";
            String dom = chromium.dumpDom(url);

            assertThat(dom).contains("<h1>Lustre filesystems</h1>").contains("2 filesystems");
            String pool = section(dom, "fs-hpc-pool-a");
            assertThat(pool)
                    .contains("<span class=\"badge Ready\">Ready</span>")
                    .contains("<td>lfs1-MDT0000</td>", "<td>lfs1-OST0000</td>", "<td>lfs1-OST0001</td>")
                    .contains("<td>pool-a-mds0</td>", "<td>pool-a-oss0</td>", "<td>pool-a-oss1</td>")
                    .contains(
                            "<td>genomics/results</td>",
                            "<td>genomics/reference-db</td>",
                            "<td>climate/ensemble-run-42</td>")
                    .contains("<td>/pvc-7f3a</td>", "<td>500Gi</td>", "<dt>Capacity</dt><dd>200Gi</dd>")
                    .doesNotContain("nfs-claim");
            assertThat(rows(pool, "servers"))
                    .as("servers, each with its KubeVirt VM status")
                    .isEqualTo(3);
            assertThat(Pattern.compile(
                                    "<td>pool-a-oss0</td><td>OSS</td><td>[^<]+</td><td><span class=\"badge Running\">Running</span>")
                            .matcher(pool)
                            .find())
                    .as("pool-a-oss0 row shows VM Running")
                    .isTrue();
            assertThat(rows(pool, "volumes")).isEqualTo(3);

            String scratch = section(dom, "fs-hpc-scratch");
            assertThat(scratch)
                    .contains("<span class=\"badge Degraded\">Degraded</span>")
                    .contains("not ready: scratch-oss0")
                    .contains("<td>hpc/mpi-scratch</td>", "<td>(whole filesystem)</td>")
                    .contains("<span class=\"badge Unavailable\">Unavailable</span>");
            assertThat(rows(scratch, "volumes")).isEqualTo(1);

            Path png = buildDirectory().resolve("status-page.png");
            chromium.screenshot(url, png, 1280, 1450);
            byte[] head = Files.readAllBytes(png);
            assertThat(head.length).isGreaterThan(10_000);
            assertThat(new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII))
                    .isEqualTo("PNG");
            System.out.println("status page screenshot: " + png);
        }
    }

    private static String section(String dom, String id) {
        Matcher m = Pattern.compile(
                        "<section class=\"fs\" id=\"" + Pattern.quote(id) + "\">(.*?)</section>", Pattern.DOTALL)
                .matcher(dom);
        assertThat(m.find()).as("section " + id + " in\n" + dom).isTrue();
        return m.group(1);
    }

    private static int rows(String section, String tableClass) {
        Matcher m = Pattern.compile("<table class=\"" + tableClass + "\">.*?<tbody>(.*?)</tbody>", Pattern.DOTALL)
                .matcher(section);
        assertThat(m.find()).as("table " + tableClass).isTrue();
        return m.group(1).split("<tr>", -1).length - 1;
    }

    /** The build directory of this module (target, or the -Dbuild.dirname one): the parent of test-classes. */
    private static Path buildDirectory() throws URISyntaxException {
        return Path.of(StatusPageBrowserTest.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .getParent();
    }
}
