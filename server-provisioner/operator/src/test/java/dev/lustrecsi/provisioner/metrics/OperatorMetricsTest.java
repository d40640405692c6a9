package dev.lustrecsi.provisioner.metrics;

import static dev.lustrecsi.provisioner.sim.OperatorHarness.settled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.kubevirt.v1.VirtualMachine;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an admin's Prometheus sees from the operator: phase, OSTs and capacity per filesystem as the resources
 * say, and counts of scale-out, scale-in and recovery steps as the operator takes them (bootstrap is neither).
 */
class OperatorMetricsTest {
    private final OperatorHarness h = new OperatorHarness("lfs1");
    private final PrometheusRegistry registry = new PrometheusRegistry();

    OperatorMetricsTest() {
        OperatorMetrics metrics = new OperatorMetrics(registry, h::fileSystems);
        h.addEventListener(metrics);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reportsPhaseOstsAndCapacityOfEachFilesystemFromItsStatus() throws IOException {
        h.create(Fixtures.tcp("demo", 2));
        h.reconcile("demo");
        assertThat(scrape())
                .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Pending\"} 1.0")
                .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Ready\"} 0.0")
                .contains("lustre_filesystem_osts_desired{filesystem=\"demo\",namespace=\"hpc\"} 2.0")
                .contains("lustre_filesystem_osts_ready{filesystem=\"demo\",namespace=\"hpc\"} 0.0");

        h.runUntil("demo", settled(2), 60);
        String ready = scrape();
        assertThat(ready)
                .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Ready\"} 1.0")
                .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Provisioning\"} 0.0")
                .contains("lustre_filesystem_osts_ready{filesystem=\"demo\",namespace=\"hpc\"} 2.0")
                .contains("lustre_filesystem_osts_active{filesystem=\"demo\",namespace=\"hpc\"} 2.0")
                .contains("lustre_filesystem_capacity_bytes{filesystem=\"demo\",namespace=\"hpc\"} "
                        + (double) (200L << 30))
                .contains("lustre_filesystem_servers{filesystem=\"demo\",namespace=\"hpc\",role=\"OSS\"} 2.0")
                .contains("lustre_filesystem_servers_ready{filesystem=\"demo\",namespace=\"hpc\",role=\"MDS\"} 1.0")
                .contains(
                        "lustre_operator_events_total{filesystem=\"demo\",namespace=\"hpc\",reason=\"Bootstrapped\",type=\"Normal\"} 1.0");
        // Building the filesystem is not scaling it.
        assertThat(ready).doesNotContain("lustre_operator_scale_events_total{");

        h.delete("demo");
        h.run("demo", 10);
        assertThat(scrape())
                .as("a deleted filesystem's series end")
                .doesNotContain("filesystem=\"demo\",namespace=\"hpc\",phase=");
    }

    @Test
    void countsScaleOutScaleInAndRecoveryOfALostServer() throws IOException {
        h.create(Fixtures.tcp("demo", 2));
        h.runUntil("demo", settled(2), 60);

        h.editSpec("demo", s -> s.setOstCount(3));
        h.runUntil("demo", settled(3), 60);
        assertThat(scrape())
                .contains(
                        "lustre_operator_scale_events_total{direction=\"out\",filesystem=\"demo\",namespace=\"hpc\"} 1.0");

        h.editSpec("demo", s -> s.setOstCount(2));
        h.runUntil("demo", settled(2), 200);
        assertThat(scrape())
                .contains(
                        "lustre_operator_scale_events_total{direction=\"in\",filesystem=\"demo\",namespace=\"hpc\"} 1.0");

        for (int lost = 1; lost <= 2; lost++) {
            h.client()
                    .resources(VirtualMachine.class)
                    .inNamespace(OperatorHarness.NAMESPACE)
                    .withName("demo-oss1")
                    .delete();
            h.kubevirt().tick();
            h.runUntil("demo", settled(2), 30);
            assertThat(scrape())
                    .as("the same server lost twice is two recoveries")
                    .contains("lustre_operator_recovery_events_total{filesystem=\"demo\",namespace=\"hpc\"} "
                            + (double) lost);
        }
        assertThat(scrape())
                .contains("lustre_filesystem_phase{filesystem=\"demo\",namespace=\"hpc\",phase=\"Ready\"} 1.0");
    }
}
