package dev.lustrecsi.controller;

import dev.lustrecsi.csi.server.CommonOptions;
import dev.lustrecsi.csi.server.PluginRunner;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.leader.LeaderElectionOptions;
import dev.lustrecsi.leader.Leadership;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountTable;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.periodic.PeriodicTask;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
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

/**
 * The controller plugin process: Identity + Controller services on the CSI socket, talking to the Kubernetes API
 * (in-cluster config, or {@code KUBECONFIG} / {@code ~/.kube/config} as fabric8 finds them) and holding pool
 * mounts under {@code --pool-mount-root}.
 */
@Command(
        name = "lustre-csi-controller",
        mixinStandardHelpOptions = true,
        description = "CSI controller plugin for Lustre: provisions shared-pool and dedicated volumes and expands them."
                + " Every replica serves CSI calls; only the Lease holder (--leader-election) runs the periodic work"
                + " (pool reconciling, orphan collection).")
public final class ControllerMain implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(
            names = "--pool-mount-root",
            defaultValue = "/var/lib/lustre-csi/pools",
            description = "where pools are mounted to create volume directories (default: ${DEFAULT-VALUE})")
    Path poolMountRoot;

    @Option(
            names = "--namespace",
            defaultValue = "${env:POD_NAMESPACE:-lustre-csi}",
            description = "namespace of pools and dedicated filesystems unless a StorageClass names one"
                    + " (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--server-image", description = "Lustre server VM image for filesystems the driver creates")
    String serverImage;

    @Option(names = "--lustre-version", description = "Lustre version of --server-image, e.g. 2.15.5")
    String lustreVersion;

    @Option(
            names = "--disk-storage-class",
            description =
                    "StorageClass of the server VMs' target disks (volumeMode Block) in filesystems the driver creates"
                            + " (default: the cluster's default StorageClass)")
    String diskStorageClass;

    @Option(
            names = "--ready-wait",
            defaultValue = "PT50S",
            description = "how long CreateVolume waits for a new filesystem before answering UNAVAILABLE"
                    + " (ISO-8601, default: ${DEFAULT-VALUE})")
    Duration readyWait;

    @Option(
            names = "--shrink-band-percent",
            defaultValue = "10",
            description = "hysteresis: extra headroom a pool keeps when it shrinks (default: ${DEFAULT-VALUE})")
    int shrinkBandPercent;

    @Option(
            names = "--reconcile-interval",
            defaultValue = "PT1M",
            description = "how often every pool's OST count is re-planned from its volume records"
                    + " (default: ${DEFAULT-VALUE})")
    Duration reconcileInterval;

    @Option(
            names = "--orphan-grace",
            defaultValue = "PT15M",
            description =
                    "age after which an unfinished volume whose PVC is gone is removed (default: ${DEFAULT-VALUE})")
    Duration orphanGrace;

    @Option(
            names = "--task-stuck-after",
            defaultValue = "PT15M",
            description = "readiness fails when a periodic pass (pool reconcile, orphan collection) runs this long,"
                    + " or none ends for this long (default: ${DEFAULT-VALUE})")
    Duration taskStuckAfter;

    @Option(names = "--lfs", defaultValue = "lfs", description = "the lfs tool (default: ${DEFAULT-VALUE})")
    String lfsPath;

    @Mixin
    LeaderElectionOptions leaderElection;

    /** Name of the controller's Lease (the sidecars hold their own, named after the driver). */
    static final String LEASE_NAME = "lustre-csi-controller";

    /** The configuration the flags describe. */
    ControllerConfig config() {
        return new ControllerConfig(
                namespace,
                Optional.ofNullable(serverImage),
                Optional.ofNullable(lustreVersion),
                readyWait,
                Duration.ofSeconds(2),
                shrinkBandPercent,
                ProjectIdAllocator.defaults(),
                poolMountRoot,
                Duration.ofSeconds(60),
                Optional.ofNullable(diskStorageClass).filter(c -> !c.isBlank()));
    }

    /** The Controller service wired for production: real mount(8), real lfs, the given API client. */
    ControllerService createService(
            KubernetesClient client, ControllerConfig config, VolumeRecords records, VolumesInUse inUse) {
        return new ControllerService(config, volumeKinds(client, config, records, inUse));
    }

    /** The volume kinds the Controller service and the collectors share (with their locks). */
    VolumeKinds volumeKinds(
            KubernetesClient client, ControllerConfig config, VolumeRecords records, VolumesInUse inUse) {
        ToolPaths tools = toolPaths();
        ProcessCommandRunner runner = new ProcessCommandRunner();
        return VolumeKinds.create(
                config,
                // Pools from a watch: a create or delete does not read its pool from the API server each time.
                new LustreFileSystems(client).watch(Duration.ofMinutes(1)),
                records,
                new LinuxMounter(runner, new MountCommands(tools), new MountTable(), MountBounds.defaults()),
                new VolumeDirectories(runner, new LfsCommands(tools), config.commandTimeout()),
                inUse);
    }

    /** Archives pool volume directories nothing owns (see PoolDirectoryOrphans), after {@code --orphan-grace}. */
    PoolDirectoryOrphans poolDirectoryOrphans(KubernetesClient client, ControllerConfig config, VolumeKinds kinds) {
        return new PoolDirectoryOrphans(
                client,
                kinds.pools(),
                config.projectIds(),
                orphanGrace,
                java.time.Clock.systemUTC(),
                PrometheusRegistry.defaultRegistry);
    }

    /** The periodic work's gate: the Lease when {@code --leader-election}, else always open (one replica). */
    LeaderRounds leaderRounds(KubernetesClient client) {
        if (!leaderElection.enabled()) {
            return LeaderRounds.always();
        }
        return LeaderRounds.elect(
                client, leaderElection.namespace(), LEASE_NAME, Leadership.uniqueIdentity(), leaderElection.timing());
    }

    /** The standard tool paths with {@code --lfs}. */
    ToolPaths toolPaths() {
        ToolPaths standard = ToolPaths.standard();
        return new ToolPaths(
                standard.mount(),
                standard.umount(),
                lfsPath,
                standard.lctl(),
                standard.lnetctl(),
                standard.modprobe(),
                standard.mkfsLustre());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ControllerMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        common.applyLogLevel();
        ControllerConfig config = config();
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            migrateLedgers(client);
            VolumeRecords records = VolumeRecords.start(client, Duration.ofMinutes(5));
            VolumesInUse inUse = VolumesInUse.watch(client).awaitSynced(Duration.ofMinutes(1));
            VolumeKinds kinds = volumeKinds(client, config, records, inUse);
            ControllerService service = new ControllerService(config, kinds);
            ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pool-reconciler");
                t.setDaemon(true);
                return t;
            });
            OrphanCollector orphans = new OrphanCollector(client, kinds, orphanGrace);
            PoolDirectoryOrphans orphanDirectories = poolDirectoryOrphans(client, config, kinds);
            // Each its own task: one that fails (the API answering 503) is logged, counted and run again, and does
            // not keep the others from running; readiness says when one is stuck.
            // Only the leader's rounds act; every replica serves CSI calls (LeaderRounds says why).
            LeaderRounds rounds = leaderRounds(client);
            PeriodicTask.Metrics taskMetrics = new PeriodicTask.Metrics(PrometheusRegistry.defaultRegistry);
            List<PeriodicTask> tasks = List.of(
                    new PeriodicTask(
                            "pool reconcile",
                            taskStuckAfter,
                            taskMetrics,
                            Clock.systemUTC(),
                            () -> rounds.run(kinds.shared()::reconcileAllPools)),
                    new PeriodicTask(
                            "volume orphan collection",
                            taskStuckAfter,
                            taskMetrics,
                            Clock.systemUTC(),
                            () -> rounds.run(orphans::collect)),
                    new PeriodicTask(
                            "pool directory orphan collection",
                            taskStuckAfter,
                            taskMetrics,
                            Clock.systemUTC(),
                            () -> rounds.run(orphanDirectories::collect)));
            // One thread runs them all (LeaderRounds.run is called from one thread).
            tasks.forEach(t -> t.schedule(reconciler, Duration.ZERO, reconcileInterval));
            ReadinessCheck apiReachable = () -> {
                client.resources(LustreFileSystem.class).inNamespace(namespace).list();
                return ReadinessCheck.Result.ready("Kubernetes API reachable");
            };
            List<ReadinessCheck> readiness = new java.util.ArrayList<>(List.of(apiReachable));
            tasks.forEach(t -> readiness.add(ReadinessCheck.of(t)));
            LoggerFactory.getLogger(ControllerMain.class)
                    .info("controller starting: namespace {}, pool mounts under {}", namespace, poolMountRoot);
            // Pool space from `lfs df` on the pool mounts, next to the CSI call metrics PluginRunner serves.
            new PoolUsageMetrics(
                            poolMountRoot,
                            new MountTable()::read,
                            new ProcessCommandRunner(),
                            new LfsCommands(toolPaths()),
                            Duration.ofSeconds(5))
                    .register(PrometheusRegistry.defaultRegistry);
            PluginRunner.serveUntilStopped(common, true, readiness, List.of(service));
            reconciler.shutdownNow();
            kinds.clones().close();
            rounds.close();
            records.close();
            inUse.close();
        }
        return 0;
    }

    /**
     * Converts the ConfigMap ledgers of earlier releases (upgrade), in the controller's namespace and in every
     * namespace that holds a pool, before the records are read.
     */
    void migrateLedgers(KubernetesClient client) {
        LustreFileSystems fileSystems = new LustreFileSystems(client);
        java.util.Set<String> namespaces = new java.util.TreeSet<>();
        namespaces.add(namespace);
        for (LustreFileSystem fs : client.resources(LustreFileSystem.class)
                .inAnyNamespace()
                .withLabel(LustreFileSystems.LABEL_ROLE, LustreFileSystems.ROLE_POOL)
                .list()
                .getItems()) {
            namespaces.add(fs.getMetadata().getNamespace());
        }
        LedgerMigration migration = new LedgerMigration(client, fileSystems);
        for (String ns : namespaces) {
            migration.migrate(ns);
        }
    }
}
