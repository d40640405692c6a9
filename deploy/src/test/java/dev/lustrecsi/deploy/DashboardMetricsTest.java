package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lustrecsi.controller.PoolUsageMetrics;
import dev.lustrecsi.csi.server.CsiServer;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.IdentityService;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.GetPluginInfoRequest;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.node.NodeMetrics;
import dev.lustrecsi.node.NodePaths;
import dev.lustrecsi.provisioner.iostats.VolumeIoMetrics;
import dev.lustrecsi.provisioner.metrics.OperatorMetrics;
import dev.lustrecsi.provisioner.metrics.StandbyMetrics;
import dev.lustrecsi.provisioner.orphans.OrphanMetrics;
import dev.lustrecsi.provisioner.reconcile.EventReason;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.grpc.ManagedChannel;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard only queries metrics the programs really export: every metric name in every panel and
 * variable query is one a scrape of the controller's, node plugin's and operator's metric classes shows (each
 * fed one filesystem, pool, mount and CSI call so every family has a sample). And the chart ships that file.
 */
class DashboardMetricsTest {
    static final Path DASHBOARD = RepoFiles.ROOT.resolve("deploy/grafana/lustre-csi-dashboard.json");
    /** PromQL words that look like metric names but are not. */
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "inf",
            "nan",
            "le");

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    static Set<String> exported;

    @BeforeAll
    static void scrapeEveryComponent(@TempDir Path tmp) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();

        // CSI call metrics, as the controller and node plugin record them: one real call over the socket.
        CsiServer server = CsiServer.start(
                Endpoint.parse("unix://" + tmp.resolve("csi.sock")),
                List.of(new IdentityService(false, List.of())),
                registry);
        ManagedChannel channel = UnixChannels.open(server.endpoint().uri());
        try {
            IdentityGrpc.newBlockingStub(channel).getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
            server.stop(Duration.ofSeconds(1));
        }

        // Node plugin: one staged and one published Lustre mount, LNet on tcp.
        String mountinfo = """
                101 25 0:77 / /var/lib/kubelet/plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/abc/globalmount rw - lustre 10.0.0.1@tcp:/lfs1/pvc-1 rw
                102 25 0:77 /pvc-1 /var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/pvc-1/mount rw - lustre 10.0.0.1@tcp:/lfs1/pvc-1 rw
                103 25 0:78 / /var/lib/lustre-csi/pools/hpc/pool-a rw - lustre 10.0.0.1@tcp:/lfs1 rw
                """;
        new NodeMetrics(
                        "node-1",
                        new NodePaths(Path.of("/var/lib/kubelet")),
                        () -> MountTable.parse(mountinfo),
                        () -> Optional.of(new LnetNetworks(
                                List.of(new LnetNetworks.LocalNi("tcp", "10.0.0.9@tcp", "up", List.of("eth0"))))))
                .register(registry);

        // Controller: one pool mount, `lfs df` answering as the manual shows it.
        String df = """
                UUID                   1K-blocks        Used   Available Use% Mounted on
                lfs1-MDT0000_UUID        1000000       10000      990000   1% /var/lib/lustre-csi/pools/hpc/pool-a[MDT:0]
                lfs1-OST0000_UUID      100000000    40000000    60000000  40% /var/lib/lustre-csi/pools/hpc/pool-a[OST:0]

                filesystem_summary:    100000000    40000000    60000000  40% /var/lib/lustre-csi/pools/hpc/pool-a
                """;
        new PoolUsageMetrics(
                        Path.of("/var/lib/lustre-csi/pools"),
                        () -> MountTable.parse(mountinfo),
                        (argv, timeout) -> new CommandResult(argv, 0, df, "", false),
                        new LfsCommands(ToolPaths.standard()),
                        Duration.ofSeconds(5))
                .register(registry);

        // Operator: one Ready filesystem, one scale-out, scale-in and recovery step.
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(
                new ObjectMetaBuilder().withNamespace("hpc").withName("pool-a").build());
        LustreFileSystemSpec spec = new LustreFileSystemSpec();
        spec.setOstCount(1);
        fs.setSpec(spec);
        LustreFileSystemStatus status = new LustreFileSystemStatus();
        status.setPhase(Phase.Ready);
        status.setBootstrapped(true);
        status.setReadyOsts(1);
        status.setActiveOsts(1);
        status.setCapacityBytes(100L << 30);
        ServerStatus oss = new ServerStatus("pool-a-oss0", ServerRole.OSS);
        oss.setReady(true);
        status.getServers().add(oss);
        fs.setStatus(status);
        OperatorMetrics operator = new OperatorMetrics(registry, () -> List.of(fs));
        operator.stepReported(fs, "Normal", EventReason.ServerCreated);
        operator.stepReported(fs, "Normal", EventReason.ServerRemoved);
        operator.stepReported(fs, "Warning", EventReason.ServerRecreated);
        // Issue 9's operator metrics: warm standby (read from the resources), orphans and per-PVC I/O. The I/O
        // counters have series only once a pod did I/O; their registered families are what the scrape names.
        StandbyMetrics.register(registry, () -> List.of(fs));
        new OrphanMetrics(registry);
        new VolumeIoMetrics(null, null, registry);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        exported = new TreeSet<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            Matcher m = IDENTIFIER.matcher(line);
            if (!line.startsWith("#") && m.lookingAt()) {
                exported.add(m.group());
            }
        }
        // Registered families with no series yet (the text format leaves them out) still count as exported.
        for (MetricSnapshot family : registry.scrape()) {
            exported.addAll(sampleNames(family));
        }
    }

    /** The sample names of a registered family, as the text format writes them once it has data points. */
    private static List<String> sampleNames(MetricSnapshot family) {
        String name = family.getMetadata().getPrometheusName();
        if (family instanceof CounterSnapshot) {
            return List.of(name + "_total");
        }
        if (family instanceof HistogramSnapshot) {
            return List.of(name + "_bucket", name + "_sum", name + "_count");
        }
        return List.of(name);
    }

    /** Every PromQL expression of the dashboard: panel targets (rows included) and variable queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        collectTargets(dashboard.path("panels"), exprs);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode q = variable.path("query");
            String text = q.isTextual() ? q.asText() : q.path("query").asText("");
            if ("query".equals(variable.path("type").asText()) && !text.isEmpty()) {
                exprs.add(text);
            }
        }
        return exprs;
    }

    private static void collectTargets(JsonNode panels, List<String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText(""));
            }
            collectTargets(panel.path("panels"), exprs);
        }
    }

    /**
     * The metric names a PromQL expression (or a Grafana {@code label_values(metric, label)} query) reads: what is
     * left after string literals, label matchers, ranges, grouping clauses, variables and function calls.
     */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher labelValues = Pattern.compile("^\\s*label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)")
                .matcher(expr);
        if (labelValues.find()) {
            names.add(labelValues.group(1));
            return names;
        }
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", " ")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\{?[A-Za-z_]+}?", " ");
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String word = m.group();
            boolean call = s.substring(m.end()).matches("(?s)\\s*\\(.*");
            boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
            if (!call && !number && !KEYWORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }

    @Test
    void theExtractorFindsMetricNamesAndNothingElse() {
        assertThat(
                        metricNames(
                                "histogram_quantile(0.99, sum by (method, le) (rate(csi_call_duration_seconds_bucket{code!=\"OK\"}[$__rate_interval])))"))
                .containsExactly("csi_call_duration_seconds_bucket");
        assertThat(metricNames("count(lustre_filesystem_phase{phase!=\"Ready\"} == 1) or vector(0)"))
                .containsExactly("lustre_filesystem_phase");
        assertThat(metricNames("max by (a) (x_used) / on (a) group_left max by (a) (x_size) > 0.9"))
                .containsExactly("x_size", "x_used");
        assertThat(metricNames("label_values(lustre_filesystem_phase{namespace=~\"$namespace\"}, filesystem)"))
                .containsExactly("lustre_filesystem_phase");
    }

    @Test
    void everyQueriedMetricIsExported() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(RepoFiles.read(DASHBOARD));
        List<String> exprs = expressions(dashboard);
        assertThat(exprs).hasSizeGreaterThan(10).doesNotContain("");
        Set<String> queried = new TreeSet<>();
        for (String expr : exprs) {
            Set<String> names = metricNames(expr);
            assertThat(names).as("metric names in " + expr).isNotEmpty();
            assertThat(exported)
                    .as("exported metrics; the dashboard queries " + names + " in " + expr)
                    .containsAll(names);
            queried.addAll(names);
        }
        // The issue's list: CSI calls and latency, mounts, LNet type, phase, OSTs, capacity and usage, scale/recovery.
        assertThat(queried)
                .contains(
                        "csi_calls_total",
                        "csi_call_duration_seconds_bucket",
                        "lustre_node_mounts",
                        "lustre_node_lnet_network",
                        "lustre_filesystem_phase",
                        "lustre_filesystem_osts_ready",
                        "lustre_filesystem_capacity_bytes",
                        "lustre_pool_used_bytes",
                        "lustre_pool_size_bytes",
                        "lustre_operator_scale_events_total",
                        "lustre_operator_recovery_events_total",
                        // Issue 9: per-PVC and per-pod I/O, warm standby, orphans.
                        "lustre_pvc_read_bytes_total",
                        "lustre_pvc_write_bytes_total",
                        "lustre_pvc_metadata_ops_total",
                        "lustre_pod_read_bytes_total",
                        "lustre_filesystem_standby_servers_ready",
                        "lustre_operator_orphans_removed_total");
    }

    @Test
    void panelsHaveUniqueIdsAndQueriesUseTheDashboardsDataSource() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(RepoFiles.read(DASHBOARD));
        List<Integer> ids = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            ids.add(panel.path("id").asInt());
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("datasource").path("uid").asText())
                        .as(panel.path("title").asText())
                        .isEqualTo("${datasource}");
            }
        }
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(dashboard.path("uid").asText()).isEqualTo("lustre-csi");
    }

    @Test
    void theChartShipsTheDashboardForGrafanasSidecarWhenAsked() {
        assertThat(Rendered.parse(Helm.template()).all(ConfigMap.class))
                .noneMatch(c -> c.getMetadata().getName().endsWith("grafana-dashboard"));
        Rendered r = Rendered.parse(Helm.template(
                "--set",
                "metrics.grafanaDashboard.enabled=true",
                "--set",
                "metrics.grafanaDashboard.namespace=monitoring"));
        ConfigMap cm = r.all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().endsWith("grafana-dashboard"))
                .findFirst()
                .orElseThrow();
        assertThat(cm.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(cm.getData().get("lustre-csi-dashboard.json"))
                .isEqualTo(RepoFiles.read(DASHBOARD).stripTrailing());
    }
}
