package dev.lustrecsi.node;

import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.mount.MountInfo;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node plugin's own Prometheus gauges, read when Prometheus scrapes: the Lustre mounts in place, counted in
 * the mount table (which survives a plugin restart; a counter in memory would not), and which LNet network types
 * are up on this node, as {@code lnetctl net show} reports them.
 */
public final class NodeMetrics implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);

    public static final String MOUNTS = "lustre_node_mounts";
    public static final String LNET_NETWORK = "lustre_node_lnet_network";
    /** Always reported, 0 when absent, so a dashboard can tell "tcp only" from "no data". */
    private static final List<String> KNOWN_NETWORK_TYPES = List.of("tcp", "o2ib");

    private final String node;
    private final Path staging;
    private final Path publish;
    private final Supplier<List<MountInfo>> mounts;
    private final Supplier<Optional<LnetNetworks>> lnet;

    /**
     * @param mounts the mount table as read now
     * @param lnet   LNet's networks as shown now; empty when LNet is not configured or cannot be asked
     */
    public NodeMetrics(
            String node, NodePaths paths, Supplier<List<MountInfo>> mounts, Supplier<Optional<LnetNetworks>> lnet) {
        this.node = node;
        this.staging = paths.kubeletDir().resolve("plugins");
        this.publish = paths.kubeletDir().resolve("pods");
        this.mounts = mounts;
        this.lnet = lnet;
    }

    public NodeMetrics register(PrometheusRegistry registry) {
        registry.register(this);
        return this;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(MOUNTS, LNET_NETWORK);
    }

    @Override
    public MetricSnapshots collect() {
        return MetricSnapshots.of(mountGauge(), lnetGauge());
    }

    private GaugeSnapshot mountGauge() {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder()
                .name(MOUNTS)
                .help("Lustre mounts in the node's mount table: kind=staging (one per staged volume, under the "
                        + "kubelet plugins dir) or publish (bind mounts into pods)");
        long staged = 0;
        long published = 0;
        try {
            for (MountInfo m : mounts.get()) {
                if (m.lustreFileset().isEmpty()) {
                    continue;
                }
                if (m.mountPoint().startsWith(staging)) {
                    staged++;
                } else if (m.mountPoint().startsWith(publish)) {
                    published++;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the mount table for metrics: {}", e.getMessage());
            return gauge.build();
        }
        return gauge.dataPoint(point(staged, "node", node, "kind", "staging"))
                .dataPoint(point(published, "node", node, "kind", "publish"))
                .build();
    }

    private GaugeSnapshot lnetGauge() {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder()
                .name(LNET_NETWORK)
                .help("1 when this node has an LNet network of this type (net=tcp|o2ib) with an interface up, else 0");
        Optional<LnetNetworks> shown;
        try {
            shown = lnet.get();
        } catch (RuntimeException e) {
            LOG.warn("cannot ask LNet for metrics: {}", e.getMessage());
            shown = Optional.empty();
        }
        TreeSet<String> types = new TreeSet<>(KNOWN_NETWORK_TYPES);
        // "lo" (0@lo) is LNet's own loopback, on every node: not a network the node reaches servers on.
        shown.ifPresent(n -> n.interfaces().stream()
                .map(LnetNetworks.LocalNi::networkType)
                .filter(t -> !t.equals("lo"))
                .forEach(types::add));
        for (String type : types) {
            boolean up = shown.map(n -> n.interfaces().stream()
                            .anyMatch(ni -> ni.isUp() && ni.networkType().equals(type)))
                    .orElse(false);
            gauge.dataPoint(point(up ? 1 : 0, "node", node, "net", type));
        }
        return gauge.build();
    }

    private static GaugeDataPointSnapshot point(double value, String... labels) {
        return GaugeDataPointSnapshot.builder()
                .labels(Labels.of(labels))
                .value(value)
                .build();
    }
}
