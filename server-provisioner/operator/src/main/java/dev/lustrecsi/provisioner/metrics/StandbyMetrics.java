package dev.lustrecsi.provisioner.metrics;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.StandbySpec;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm standby gauges, read from the LustreFileSystem resources at scrape time (like {@link OperatorMetrics}'
 * gauges): how many standby OSS servers each filesystem wants ({@code spec.standby.ossServers}), how many are
 * ready, and how many OSTs they hold. A scale-out that found no ready standby shows as ready < desired.
 */
public final class StandbyMetrics implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(StandbyMetrics.class);
    public static final String DESIRED = "lustre_filesystem_standby_servers_desired";
    public static final String READY = "lustre_filesystem_standby_servers_ready";
    public static final String OSTS = "lustre_filesystem_standby_osts";

    private final Supplier<List<LustreFileSystem>> filesystems;

    public StandbyMetrics(Supplier<List<LustreFileSystem>> filesystems) {
        this.filesystems = filesystems;
    }

    public static StandbyMetrics register(PrometheusRegistry registry, Supplier<List<LustreFileSystem>> filesystems) {
        StandbyMetrics m = new StandbyMetrics(filesystems);
        registry.register(m);
        return m;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(DESIRED, READY, OSTS);
    }

    @Override
    public MetricSnapshots collect() {
        List<LustreFileSystem> all = ScrapedFileSystems.listOrNone(filesystems, LOG, "standby metrics");
        GaugeSnapshot.Builder desired = GaugeSnapshot.builder()
                .name(DESIRED)
                .help("Warm standby OSS servers the filesystem keeps (spec.standby.ossServers)");
        GaugeSnapshot.Builder ready = GaugeSnapshot.builder()
                .name(READY)
                .help("Warm standby OSS servers booted, formatted and ready to be put into service");
        GaugeSnapshot.Builder osts = GaugeSnapshot.builder()
                .name(OSTS)
                .help("OSTs on ready standby servers (not in the capacity until put into service)");
        for (LustreFileSystem fs : all) {
            Labels labels = Labels.of(
                    "namespace",
                    fs.getMetadata().getNamespace(),
                    "filesystem",
                    fs.getMetadata().getName());
            LustreFileSystemStatus st = fs.getStatus() == null ? new LustreFileSystemStatus() : fs.getStatus();
            desired.dataPoint(point(
                    fs.getSpec() == null
                            ? 0
                            : StandbySpec.ossServers(fs.getSpec().getStandby()),
                    labels));
            ready.dataPoint(point(st.getStandbyServers() == null ? 0 : st.getStandbyServers(), labels));
            osts.dataPoint(point(st.getStandbyOsts() == null ? 0 : st.getStandbyOsts(), labels));
        }
        return MetricSnapshots.of(desired.build(), ready.build(), osts.build());
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
