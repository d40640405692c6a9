package dev.lustrecsi.provisioner.metrics;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.reconcile.EventReason;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's own Prometheus metrics. Per-filesystem gauges are read from the LustreFileSystem resources at
 * scrape time: the API server holds the state, so a restarted operator reports the same values and a deleted
 * filesystem's series simply end. Counters of scale-out, scale-in and recovery steps are counted from the steps
 * the reconciler reports through {@link EventRecorder} (one place that already names every step it takes).
 * Other operator metrics (e.g. per-volume I/O) live in their own classes on the same registry.
 */
public final class OperatorMetrics implements EventRecorder.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorMetrics.class);

    public static final String PHASE = "lustre_filesystem_phase";
    public static final String OSTS_DESIRED = "lustre_filesystem_osts_desired";
    public static final String OSTS_ACTIVE = "lustre_filesystem_osts_active";
    public static final String OSTS_READY = "lustre_filesystem_osts_ready";
    public static final String CAPACITY = "lustre_filesystem_capacity_bytes";
    public static final String SERVERS = "lustre_filesystem_servers";
    public static final String SERVERS_READY = "lustre_filesystem_servers_ready";
    public static final String SCALE_EVENTS = "lustre_operator_scale_events_total";
    public static final String RECOVERY_EVENTS = "lustre_operator_recovery_events_total";
    public static final String EVENTS = "lustre_operator_events_total";

    private final Counter scaleEvents;
    private final Counter recoveryEvents;
    private final Counter events;

    /**
     * @param filesystems the LustreFileSystems the operator watches, read fresh from the API on each call
     */
    public OperatorMetrics(PrometheusRegistry registry, Supplier<List<LustreFileSystem>> filesystems) {
        scaleEvents = Counter.builder()
                .name(SCALE_EVENTS)
                .help("Servers added to (direction=out) or removed from (direction=in) a running filesystem")
                .labelNames("namespace", "filesystem", "direction")
                .register(registry);
        recoveryEvents = Counter.builder()
                .name(RECOVERY_EVENTS)
                .help("Lost servers re-created with the same name, address and disks")
                .labelNames("namespace", "filesystem")
                .register(registry);
        events = Counter.builder()
                .name(EVENTS)
                .help("Steps the operator reported as Kubernetes events, by type (Normal/Warning) and reason")
                .labelNames("namespace", "filesystem", "type", "reason")
                .register(registry);
        registry.register(new FileSystemGauges(filesystems));
    }

    @Override
    public void stepReported(LustreFileSystem fs, String type, EventReason reason) {
        String ns = fs.getMetadata().getNamespace();
        String name = fs.getMetadata().getName();
        events.labelValues(ns, name, type, reason.name()).inc();
        switch (reason) {
            // Servers created during the first bootstrap are the filesystem being built, not scaled.
            case ServerCreated -> {
                if (fs.getStatus() != null && fs.getStatus().bootstrappedOnce()) {
                    scaleEvents.labelValues(ns, name, "out").inc();
                }
            }
            case ServerRemoved -> scaleEvents.labelValues(ns, name, "in").inc();
            case ServerRecreated -> recoveryEvents.labelValues(ns, name).inc();
            default -> {}
        }
    }

    /** Gauges computed from the resources at scrape time. */
    private static final class FileSystemGauges implements MultiCollector {
        private final Supplier<List<LustreFileSystem>> filesystems;

        FileSystemGauges(Supplier<List<LustreFileSystem>> filesystems) {
            this.filesystems = filesystems;
        }

        @Override
        public List<String> getPrometheusNames() {
            return List.of(PHASE, OSTS_DESIRED, OSTS_ACTIVE, OSTS_READY, CAPACITY, SERVERS, SERVERS_READY);
        }

        @Override
        public MetricSnapshots collect() {
            List<LustreFileSystem> all = ScrapedFileSystems.listOrNone(filesystems, LOG, "metrics");
            GaugeSnapshot.Builder phase = gauge(PHASE, "1 for the filesystem's current phase, 0 for the others");
            GaugeSnapshot.Builder desired = gauge(OSTS_DESIRED, "OSTs the spec asks for (spec.ostCount)");
            GaugeSnapshot.Builder active = gauge(OSTS_ACTIVE, "OSTs that exist and are not draining or drained");
            GaugeSnapshot.Builder ready = gauge(OSTS_READY, "OSTs that are mounted and accept new objects");
            GaugeSnapshot.Builder capacity = gauge(
                    CAPACITY,
                    "Provisioned size of the ready OSTs (status.capacityBytes); usage is lustre_pool_used_bytes");
            GaugeSnapshot.Builder servers = gauge(SERVERS, "Server VMs of the filesystem, by role");
            GaugeSnapshot.Builder serversReady = gauge(SERVERS_READY, "Server VMs that are ready, by role");
            for (LustreFileSystem fs : all) {
                String ns = fs.getMetadata().getNamespace();
                String name = fs.getMetadata().getName();
                LustreFileSystemStatus st = fs.getStatus() == null ? new LustreFileSystemStatus() : fs.getStatus();
                // No status yet: the operator has not acted on it, which is what Pending means.
                Phase current = st.getPhase() == null ? Phase.Pending : st.getPhase();
                for (Phase p : Phase.values()) {
                    phase.dataPoint(
                            point(p == current ? 1 : 0, "namespace", ns, "filesystem", name, "phase", p.name()));
                }
                if (fs.getSpec() != null && fs.getSpec().getOstCount() != null) {
                    desired.dataPoint(point(fs.getSpec().getOstCount(), "namespace", ns, "filesystem", name));
                }
                active.dataPoint(point(orZero(st.getActiveOsts()), "namespace", ns, "filesystem", name));
                ready.dataPoint(point(orZero(st.getReadyOsts()), "namespace", ns, "filesystem", name));
                capacity.dataPoint(point(
                        st.getCapacityBytes() == null ? 0 : st.getCapacityBytes(),
                        "namespace",
                        ns,
                        "filesystem",
                        name));
                Map<ServerRole, int[]> byRole = new EnumMap<>(ServerRole.class);
                for (ServerStatus s : st.getServers()) {
                    if (s.getRole() == null) {
                        continue;
                    }
                    int[] n = byRole.computeIfAbsent(s.getRole(), r -> new int[2]);
                    n[0]++;
                    n[1] += s.readyNow() ? 1 : 0;
                }
                byRole.forEach((role, n) -> {
                    servers.dataPoint(point(n[0], "namespace", ns, "filesystem", name, "role", role.name()));
                    serversReady.dataPoint(point(n[1], "namespace", ns, "filesystem", name, "role", role.name()));
                });
            }
            return MetricSnapshots.of(
                    phase.build(),
                    desired.build(),
                    active.build(),
                    ready.build(),
                    capacity.build(),
                    servers.build(),
                    serversReady.build());
        }

        private static GaugeSnapshot.Builder gauge(String name, String help) {
            return GaugeSnapshot.builder().name(name).help(help);
        }

        private static GaugeDataPointSnapshot point(double value, String... labels) {
            return GaugeDataPointSnapshot.builder()
                    .labels(Labels.of(labels))
                    .value(value)
                    .build();
        }

        private static int orZero(Integer n) {
            return n == null ? 0 : n;
        }
    }
}
