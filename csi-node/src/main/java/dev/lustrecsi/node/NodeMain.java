package dev.lustrecsi.node;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.server.CommonOptions;
import dev.lustrecsi.csi.server.PluginRunner;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.LnetctlCommands;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ObdDevices;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.periodic.PeriodicTask;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The node plugin process (DaemonSet, privileged, host network): CSI Identity + Node on a Unix socket. */
@Command(
        name = "lustre-csi-node",
        mixinStandardHelpOptions = true,
        description = "Lustre CSI node plugin: LNet setup, Lustre client mounts, bind mounts into pods.")
public final class NodeMain implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(
            names = "--node-id",
            required = true,
            defaultValue = "${env:NODE_NAME}",
            description = "this node's Kubernetes name (default: $NODE_NAME)")
    String nodeId;

    @Option(
            names = "--kubelet-dir",
            defaultValue = "/var/lib/kubelet",
            description = "kubelet's root directory; targets must be under <dir>/pods, staging under <dir>/plugins"
                    + " (default: ${DEFAULT-VALUE})")
    Path kubeletDir;

    @Option(
            names = "--sysfs-root",
            defaultValue = "/sys",
            description = "where sysfs is mounted (default: ${DEFAULT-VALUE})")
    Path sysfsRoot;

    @Option(
            names = "--lnet-interface",
            description = "interface for LNet tcp when the node has no RDMA adapter "
                    + "(default: the default route's interface)")
    String lnetInterface;

    @Option(
            names = "--max-volumes",
            defaultValue = "-1",
            description = "Lustre volumes this node may stage at once; -1: as many as the Lustre client's device table "
                    + "holds for filesystems of --budget-mdts/--budget-osts targets; 0: no limit"
                    + " (default: ${DEFAULT-VALUE})")
    long maxVolumes;

    @Option(
            names = "--budget-mdts",
            defaultValue = "1",
            description =
                    "MDTs of the largest filesystem this node mounts, for --max-volumes=-1 (default: ${DEFAULT-VALUE})")
    int budgetMdts;

    @Option(
            names = "--budget-osts",
            defaultValue = "32",
            description =
                    "OSTs of the largest filesystem this node mounts, for --max-volumes=-1 (default: ${DEFAULT-VALUE})")
    int budgetOsts;

    /**
     * The volume limit this node reports (NodeGetInfo max_volumes_per_node) and enforces: one client mount per
     * volume takes 2 + MDTs + OSTs of Lustre's 8192 OBD devices (ObdDevices), so e.g. 232 volumes of 1 MDT + 32 OSTs.
     */
    long effectiveMaxVolumes() {
        return maxVolumes >= 0 ? maxVolumes : ObdDevices.maxClientMounts(budgetMdts, budgetOsts);
    }

    @Option(
            names = "--lustre-tools-dir",
            description = "directory holding lnetctl, lctl, lfs and modprobe " + "when they are not on PATH")
    Path toolsDir;

    @Option(
            names = "--kubernetes-api",
            defaultValue = "auto",
            description = "auto: use the API server when running in a cluster (startup taint, events on pods); "
                    + "off: never (default: ${DEFAULT-VALUE})")
    ApiAccess kubernetesApi;

    @Option(
            names = "--startup-taint",
            defaultValue = DriverNames.STARTUP_TAINT_KEY,
            description = "taint key removed from this node once the Lustre client is ready; empty: none"
                    + " (default: ${DEFAULT-VALUE})")
    String startupTaint;

    @Option(
            names = "--health-check-interval",
            defaultValue = "30",
            description = "seconds between checks of the staged Lustre mounts (import state, MGS ping); 0: off"
                    + " (default: ${DEFAULT-VALUE})")
    long healthCheckSeconds;

    @Option(
            names = "--jobid-var",
            defaultValue = JobIdSetup.DEFAULT_VAR,
            description = "Lustre jobid_var set on this node: the environment variable pods carry their job id in; "
                    + "empty: leave the node's setting alone (default: ${DEFAULT-VALUE})")
    String jobIdVar;

    @Option(
            names = "--jobid-name",
            defaultValue = JobIdSetup.DEFAULT_NAME,
            description = "Lustre jobid_name: the job id of processes without the variable (default: ${DEFAULT-VALUE})")
    String jobIdName;

    /** Whether the plugin talks to the API server. */
    enum ApiAccess {
        auto,
        off
    }

    @Override
    public Integer call() throws Exception {
        common.applyLogLevel();
        ToolPaths tools = toolsDir == null ? ToolPaths.standard() : ToolPaths.lustreToolsIn(toolsDir);
        CommandRunner runner = new ProcessCommandRunner();
        LnetConfigurator lnet = new LnetConfigurator(
                runner,
                tools,
                sysfsRoot,
                Path.of("/proc/net/route"),
                Optional.ofNullable(lnetInterface),
                Duration.ofSeconds(30));
        MountBounds bounds = MountBounds.defaults();
        LinuxMounter mounter = new LinuxMounter(runner, new MountCommands(tools), new MountTable(), bounds);
        VolumeStatsReader stats =
                new VolumeStatsReader(mounter, new ServerHealth(runner, tools, Duration.ofSeconds(5)));
        NodePaths paths = new NodePaths(kubeletDir);
        Optional<KubernetesClient> api = kubernetesClient();
        // Bounded well inside NodeStage's own deadline: an API outage costs a stage this long, then the PV's NIDs.
        Optional<KubernetesMgsLookup> mgsLookup = api.map(c -> new KubernetesMgsLookup(c, Duration.ofSeconds(5)));
        // Which volumes this node uses, on its own Node, for DeleteVolume to refuse while any node lists the volume.
        StagedVolumeRecord stagedRecord = new StagedVolumeRecord(
                api, nodeId, mounter, paths, java.time.Clock.systemUTC(), Duration.ofMinutes(10));
        NodeService node = new NodeService(
                new NodeConfig(
                        nodeId,
                        effectiveMaxVolumes(),
                        paths,
                        bounds.lustreMount().plusSeconds(15)),
                mounter,
                lnet,
                stats,
                mgsLookup.<MgsLookup>map(l -> l).orElse(MgsLookup.NONE),
                stagedRecord);
        JobIdSetup jobIds = new JobIdSetup(
                runner, tools, Optional.of(jobIdVar).filter(v -> !v.isBlank()), jobIdName, Duration.ofSeconds(10));

        LoggerFactory.getLogger(NodeMain.class).info("node {} starting", nodeId);
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-background");
            t.setDaemon(true);
            return t;
        });
        // The socket is served at once; LNet is configured in the background and Probe answers from its last run
        // (issue 15: the first Probe must not wait for modprobe and lnetctl).
        LnetReadiness lnetReady = new LnetReadiness(lnet, background, Duration.ofSeconds(30));
        // Once the client is ready: node-wide job id settings, then the startup taint comes off.
        Optional<StartupTaint> taint =
                api.filter(c -> !startupTaint.isBlank()).map(c -> new StartupTaint(c, nodeId, startupTaint));
        boolean[] jobIdsDone = {false};
        UntilDone.schedule(background, Duration.ofSeconds(5), Duration.ofMinutes(2), "readiness tasks", () -> {
            if (!lnetReady.refresh().ready()) {
                return false;
            }
            jobIdsDone[0] = jobIdsDone[0] || jobIds.apply();
            return taint.map(t -> t.removeIfReady(true)).orElse(true) && jobIdsDone[0];
        });
        List<ReadinessCheck> readiness = new java.util.ArrayList<>(List.<ReadinessCheck>of(lnetReady));
        PeriodicTask.Metrics taskMetrics = new PeriodicTask.Metrics(PrometheusRegistry.defaultRegistry);
        if (healthCheckSeconds > 0) {
            MountWatcher watcher = new MountWatcher(
                    mounter,
                    stats,
                    paths,
                    api.<PodEvents>map(c -> new KubernetesPodEvents(c, nodeId)).orElse(PodEvents.NONE));
            // A failed pass is logged, counted and run again; readiness says when one is stuck (a hung statfs).
            Duration every = Duration.ofSeconds(healthCheckSeconds);
            PeriodicTask health = PeriodicTask.every(
                            every, "Lustre mount health check", taskMetrics, watcher::checkOnce)
                    .schedule(background, every, every);
            readiness.add(ReadinessCheck.of(health));
        }
        // Its own thread: a health check stuck on a hung Lustre mount must not hold the record back.
        ScheduledExecutorService recordThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "staged-volume-record");
            t.setDaemon(true);
            return t;
        });
        if (api.isPresent()) {
            // Corrects the record from the mount table (a restart, a failed write, an edit by someone else).
            Duration every = Duration.ofSeconds(healthCheckSeconds > 0 ? healthCheckSeconds : 30);
            PeriodicTask record = PeriodicTask.every(every, "staged volume record", taskMetrics, stagedRecord::correct)
                    .schedule(recordThread, Duration.ZERO, every);
            readiness.add(ReadinessCheck.of(record));
        }
        LnetctlCommands lnetctl = new LnetctlCommands(tools);
        new NodeMetrics(nodeId, paths, mounter::mounts, () -> {
                    CommandResult shown = runner.run(lnetctl.showNets(), Duration.ofSeconds(5));
                    return shown.succeeded()
                            ? Optional.of(LnetNetworks.parseNetShow(shown.stdout()))
                            : Optional.empty();
                })
                .register(PrometheusRegistry.defaultRegistry);
        try {
            PluginRunner.serveUntilStopped(common, false, readiness, List.of(node));
        } finally {
            background.shutdownNow();
            mgsLookup.ifPresent(KubernetesMgsLookup::close);
            recordThread.shutdownNow();
            api.ifPresent(KubernetesClient::close);
        }
        return 0;
    }

    /** The API client when running in a cluster (in-cluster service account, or KUBECONFIG), else none. */
    private Optional<KubernetesClient> kubernetesClient() {
        boolean inCluster = System.getenv("KUBERNETES_SERVICE_HOST") != null || System.getenv("KUBECONFIG") != null;
        if (kubernetesApi == ApiAccess.off || !inCluster) {
            LoggerFactory.getLogger(NodeMain.class)
                    .info("running without Kubernetes API access: no startup taint removal, no events on pods, "
                            + "MGS NIDs from the volume context only");
            return Optional.empty();
        }
        return Optional.of(new KubernetesClientBuilder().build());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeMain()).execute(args));
    }
}
