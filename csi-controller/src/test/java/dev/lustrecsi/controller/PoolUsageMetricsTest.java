package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.MetricsText.scrape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.testing.csi.StorageClassParams;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Pool space for the dashboard: `lfs df` through the controller's pool mounts, found in the mount table. */
@ControllerOnMockApi(readyWaitMillis = 200, mounts = true)
class PoolUsageMetricsTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private PrometheusRegistry registry() {
        PrometheusRegistry registry = new PrometheusRegistry();
        new PoolUsageMetrics(
                        f.mountRoot, new MountTable()::read, f.runner, new LfsCommands(f.tools), Duration.ofSeconds(10))
                .register(registry);
        return registry;
    }

    private static double value(String text, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as(series + " in\n" + text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void reportsSizeAndUsageOfEachMountedPoolFromLfsDf() throws Exception {
        PrometheusRegistry registry = registry();
        assertThat(scrape(registry)).as("no pool mounted yet").doesNotContain("lustre_pool_df_success{");

        assertThatThrownBy(() -> f.stub.createVolume(
                create("pvc-a", 10 * GI, StorageClassParams.pool("alpha")).build()));
        f.markReady("alpha", "10.1.0.1@tcp");
        f.stub.createVolume(
                create("pvc-a", 10 * GI, StorageClassParams.pool("alpha")).build());

        String labels = "{filesystem=\"alpha\",namespace=\"" + ControllerFixture.NAMESPACE + "\"}";
        String before = scrape(registry);
        assertThat(value(before, "lustre_pool_df_success" + labels)).isEqualTo(1.0);
        assertThat(value(before, "lustre_pool_osts" + labels)).isEqualTo(1.0);
        double size = value(before, "lustre_pool_size_bytes" + labels);
        double used = value(before, "lustre_pool_used_bytes" + labels);
        assertThat(size).isPositive();
        assertThat(value(before, "lustre_pool_available_bytes" + labels))
                .isPositive()
                .isLessThanOrEqualTo(size);

        // 8 MiB written into the volume shows in the pool's usage (the stand-in server is a tmpfs).
        Files.write(f.poolMount("alpha").resolve("pvc-a").resolve("data"), new byte[8 << 20]);
        assertThat(value(scrape(registry), "lustre_pool_used_bytes" + labels)).isGreaterThanOrEqualTo(used + (8 << 20));

        f.restart();
        assertThat(value(scrape(registry()), "lustre_pool_df_success" + labels))
                .as("a restarted controller finds its pool mounts in the mount table")
                .isEqualTo(1.0);
    }
}
