package dev.lustrecsi.provisioner.iostats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobstats on the servers become per-pod and per-PVC counters: job id "namespace/pod" → pod → the PVCs it
 * mounts from the filesystem. What cannot be attributed honestly (unknown job, two PVCs of one filesystem in a
 * pod) is not attributed to a PVC.
 */
class VolumeIoMetricsTest {
    private static final long MIB = 1 << 20;
    private final OperatorHarness h = new OperatorHarness("lfs1");
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private VolumeIoMetrics metrics;

    @BeforeEach
    void setUp() {
        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 60);
        metrics = new VolumeIoMetrics(h.client(), h.lustre(), registry);
        volume("pv-data", "v1:hpc:demo:lfs1:pv-data", "team", "data");
        volume("pv-scratch", "v1:hpc:demo:lfs1:pv-scratch", "team", "scratch");
        volume("pv-elsewhere", "v1:hpc:other:lfs2:pv-elsewhere", "team", "elsewhere");
        pod("team", "ior-0", "data", "elsewhere");
        pod("team", "two-vols", "data", "scratch");
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void volume(String pv, String handle, String ns, String claim) {
        h.client()
                .persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName(pv)
                        .endMetadata()
                        .withNewSpec()
                        .withNewCsi()
                        .withDriver("lustre.csi.lustrecsi.dev")
                        .withVolumeHandle(handle)
                        .endCsi()
                        .endSpec()
                        .build())
                .create();
        h.client()
                .persistentVolumeClaims()
                .inNamespace(ns)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName(claim)
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withVolumeName(pv)
                        .endSpec()
                        .build())
                .create();
    }

    private void pod(String ns, String name, String... claims) {
        List<io.fabric8.kubernetes.api.model.Volume> vols = new ArrayList<>();
        for (String c : claims) {
            vols.add(new VolumeBuilder()
                    .withName(c)
                    .withNewPersistentVolumeClaim()
                    .withClaimName(c)
                    .endPersistentVolumeClaim()
                    .build());
        }
        h.client()
                .pods()
                .inNamespace(ns)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(ns)
                        .endMetadata()
                        .withNewSpec()
                        .withVolumes(vols)
                        .endSpec()
                        .build())
                .create();
    }

    private void poll() {
        metrics.poll(h.fileSystems());
    }

    /** The counter's value for the data point whose labels include all of {@code labels}; null when absent. */
    private Double value(String name, Map<String, String> labels) {
        for (MetricSnapshot s : registry.scrape()) {
            if (!(s instanceof CounterSnapshot c)
                    || !c.getMetadata().getPrometheusName().equals(name.replace("_total", ""))) {
                continue;
            }
            for (var p : c.getDataPoints()) {
                if (labels.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(p.getLabels().get(e.getKey())))) {
                    return p.getValue();
                }
            }
        }
        return null;
    }

    private Double pvc(String metric, String claim) {
        return value(
                "lustre_pvc_" + metric,
                Map.of(
                        "namespace",
                        "team",
                        "persistentvolumeclaim",
                        claim,
                        "filesystem_namespace",
                        "hpc",
                        "filesystem",
                        "demo"));
    }

    private Double pod(String metric, String name) {
        return value("lustre_pod_" + metric, Map.of("namespace", "team", "pod", name, "filesystem", "demo"));
    }

    @Test
    void countsWhatEachPodAndItsOnlyPvcOnTheFilesystemDidSinceTheFirstLook() {
        h.lustre().recordIo("team/ior-0", 0, 1, 4096, 1, 4096); // before the operator looked: not counted
        poll();
        assertThat(pvc("write_bytes_total", "data")).isNull();

        h.lustre().recordIo("team/ior-0", 0, 10, 40960, 3, 3 * MIB);
        h.lustre().recordIo("team/ior-0", 1, 0, 0, 1, MIB);
        h.lustre().recordMetadata("team/ior-0", 0, "open", 4);
        h.lustre().recordMetadata("team/ior-0", 0, "mkdir", 2);
        poll();

        assertThat(pvc("read_bytes_total", "data")).isEqualTo(40960.0);
        assertThat(pvc("write_bytes_total", "data")).isEqualTo(4.0 * MIB);
        assertThat(pvc("read_ops_total", "data")).isEqualTo(10.0);
        assertThat(pvc("write_ops_total", "data")).isEqualTo(4.0);
        assertThat(pvc("metadata_ops_total", "data")).isEqualTo(6.0);
        assertThat(pod("write_bytes_total", "ior-0")).isEqualTo(4.0 * MIB);
        // "elsewhere" lives on another filesystem: nothing of demo's I/O goes to it.
        assertThat(pvc("write_bytes_total", "elsewhere")).isNull();

        poll(); // nothing new
        assertThat(pvc("write_bytes_total", "data")).isEqualTo(4.0 * MIB);
        assertThat(h.lustre().log())
                .contains(
                        "demo-oss0: lctl get_param obdfilter.lfs1-OST*.job_stats",
                        "demo-mds0: lctl get_param mdt.lfs1-MDT*.job_stats");
    }

    @Test
    void aPodWithTwoPvcsOnTheFilesystemIsCountedPerPodOnly() {
        poll();
        h.lustre().recordIo("team/two-vols", 1, 0, 0, 2, 2 * MIB);
        poll();
        assertThat(pod("write_bytes_total", "two-vols")).isEqualTo(2.0 * MIB);
        assertThat(pvc("write_bytes_total", "data")).isNull();
        assertThat(pvc("write_bytes_total", "scratch")).isNull();
    }

    @Test
    void unknownJobsAreUnattributedAndCutJobIdsMatchTheirOnlyPod() {
        String longName = "analysis-notebook-abcdef-12345";
        pod("team", longName, "data");
        poll();
        h.lustre().recordIo("dd.0", 0, 0, 0, 1, MIB);
        // Lustre keeps 31 bytes of "team/analysis-notebook-abcdef-12345".
        h.lustre().recordIo(("team/" + longName).substring(0, 31), 0, 0, 0, 1, 3 * MIB);
        poll();
        assertThat(value("lustre_jobstats_unattributed_bytes_total", Map.of("filesystem", "demo")))
                .isEqualTo(1.0 * MIB);
        assertThat(pod("write_bytes_total", longName)).isEqualTo(3.0 * MIB);
        assertThat(pvc("write_bytes_total", "data")).isEqualTo(3.0 * MIB);
    }

    @Test
    void anExpiredJobEntryCountsFromZeroAndAGonePodsSeriesEnd() {
        poll();
        h.lustre().recordIo("team/ior-0", 0, 0, 0, 4, 4 * MIB);
        poll();
        h.lustre().expireJob("team/ior-0");
        h.lustre().recordIo("team/ior-0", 0, 0, 0, 1, MIB);
        poll();
        assertThat(pvc("write_bytes_total", "data")).isEqualTo(5.0 * MIB);

        h.client().pods().inNamespace("team").withName("ior-0").delete();
        poll();
        assertThat(pod("write_bytes_total", "ior-0")).isNull();
    }

    @Test
    void anUnreachableServerIsReportedAndNotRecountedWhenItAnswersAgain() {
        poll();
        h.lustre().recordIo("team/ior-0", 1, 0, 0, 2, 2 * MIB);
        poll();
        h.kubevirt().failVmi("demo-oss1");
        poll();
        assertThat(value("lustre_jobstats_read_failures_total", Map.of("server", "demo-oss1")))
                .isEqualTo(1.0);
        h.runUntil(
                "demo",
                fs -> fs.getStatus().getPhase() == Phase.Ready
                        && fs.getStatus().server("demo-oss1").orElseThrow().readyNow(),
                40);
        poll();
        assertThat(pvc("write_bytes_total", "data")).isEqualTo(2.0 * MIB);
    }
}
