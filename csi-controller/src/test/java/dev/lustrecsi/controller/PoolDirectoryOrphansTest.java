package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.testing.time.ManualClock;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Volume directories no volume record and no PV own are archived after the grace period (project id cleared, quota
 * dropped, data kept); live volumes, PV-named directories and an admin's directories are never touched.
 */
@ControllerOnMockApi(readyWaitMillis = 200, mounts = true)
class PoolDirectoryOrphansTest {
    private static final Duration GRACE = Duration.ofMinutes(15);
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private PoolDirectoryOrphans orphans;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-25T12:00:00Z"));
    private final Map<String, String> params = pool("omega");

    @BeforeEach
    void setUp() {
        try {
            f.stub.createVolume(create("pvc-live", 10 * GI, params).build());
        } catch (StatusRuntimeException pending) {
            // the pool is being created
        }
        f.markReady("omega", "10.1.0.7@tcp");
        f.stub.createVolume(create("pvc-live", 10 * GI, params).build());
        f.stub.createVolume(create("pvc-lost", 10 * GI, params).build());
        f.stub.createVolume(create("pvc-bound", 10 * GI, params).build());
        orphans = new PoolDirectoryOrphans(
                client, f.kinds.pools(), new ProjectIdAllocator(1000, 100_000), GRACE, clock, registry);
    }

    private void forget(String name) {
        f.records.update(f.fileSystem("omega").orElseThrow(), name, volumes -> null);
    }

    private double archivedCount() {
        return registry.scrape().stream()
                .filter(s -> s instanceof CounterSnapshot)
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
                .mapToDouble(p -> p.getValue())
                .sum();
    }

    @Test
    void aDirectoryNoRecordAndNoPvOwnsIsArchivedAfterTheGracePeriodWithItsProjectFreed() throws IOException {
        Path root = f.poolMount("omega");
        long lostId = f.records("omega").get("pvc-lost").projectId();
        Files.writeString(root.resolve("pvc-lost").resolve("results.h5"), "data");
        forget("pvc-lost");
        // pvc-bound lost its record too, but a PV still names it.
        forget("pvc-bound");
        client.persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName("pvc-bound")
                        .endMetadata()
                        .withNewSpec()
                        .withNewCsi()
                        .withDriver(DriverNames.DRIVER_NAME)
                        .withVolumeHandle("v1:" + NAMESPACE + ":omega:omega:pvc-bound")
                        .endCsi()
                        .endSpec()
                        .build())
                .create();
        // An admin's directory with a project id from the driver's range, and a hidden one: not volumes.
        Files.createDirectories(root.resolve("admin-scratch"));
        f.runner.runChecked(
                new LfsCommands(f.tools)
                        .setProject(lostId + 100, root.resolve("admin-scratch").toString()),
                Duration.ofSeconds(10));

        assertThat(orphans.collect()).isEmpty();
        clock.advance(GRACE.minusSeconds(1));
        assertThat(orphans.collect()).isEmpty();
        assertThat(root.resolve("pvc-lost")).isDirectory();

        clock.advance(Duration.ofSeconds(1));
        assertThat(orphans.collect()).containsExactly(NAMESPACE + "/omega/pvc-lost");
        assertThat(root.resolve("pvc-lost")).doesNotExist();
        Path archive = root.resolve(VolumeDirectories.ARCHIVE_DIR).resolve("pvc-lost-" + lostId);
        assertThat(archive.resolve("results.h5")).hasContent("data");
        assertThat(f.projectOf(archive).projectId()).isZero();
        assertThat(f.quotaOf(lostId, root).hardLimitBytes()).isZero();
        assertThat(archivedCount()).isEqualTo(1.0);
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
                .extracting(e -> e.getReason())
                .contains("OrphanDirectoryFound", "OrphanDirectoryArchived");

        // Never touched, however long we wait.
        clock.advance(Duration.ofDays(30));
        orphans.collect();
        assertThat(root.resolve("pvc-live")).isDirectory();
        assertThat(root.resolve("pvc-bound")).isDirectory();
        assertThat(root.resolve("admin-scratch")).isDirectory();
        assertThat(f.records("omega")).containsOnlyKeys("pvc-live");
        assertThat(archivedCount()).isEqualTo(1.0);
    }

    @Test
    void aDirectoryClaimedAgainWithinTheGracePeriodIsKept() {
        forget("pvc-lost");
        assertThat(orphans.collect()).isEmpty();
        // The same CreateVolume retried: the record is back.
        f.stub.createVolume(create("pvc-lost", 10 * GI, params).build());
        clock.advance(GRACE.multipliedBy(2));
        assertThat(orphans.collect()).isEmpty();
        assertThat(f.poolMount("omega").resolve("pvc-lost")).isDirectory();
        assertThat(List.copyOf(f.records("omega").keySet())).contains("pvc-lost");
    }

    @Test
    void aDirectoryWhoseCreateVolumeHasNotRecordedItYetIsNeverArchived() {
        forget("pvc-lost");
        long id = 4242;
        // A CreateVolume between making the directory and writing its record (the record write still in flight).
        try (VolumeRecords.Reservation creating = f.records.reserve(
                f.fileSystem("omega").orElseThrow(),
                "pvc-lost",
                volumes -> new VolumeRecord(
                        id,
                        10 * GI,
                        "",
                        dev.lustrecsi.model.VolumeState.Creating,
                        dev.lustrecsi.model.VolumeReclaim.Delete,
                        0,
                        0,
                        0,
                        null,
                        null,
                        null,
                        null))) {
            assertThat(orphans.collect()).isEmpty();
            clock.advance(GRACE.multipliedBy(2));
            assertThat(orphans.collect()).isEmpty();
            assertThat(f.poolMount("omega").resolve("pvc-lost")).isDirectory();
        }
        // The call gave up without a record: from now on it is an orphan like any other, after the grace period.
        assertThat(orphans.collect()).isEmpty();
        clock.advance(GRACE);
        assertThat(orphans.collect()).containsExactly(NAMESPACE + "/omega/pvc-lost");
    }
}
