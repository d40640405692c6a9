package dev.lustrecsi.provisioner;

import dev.lustrecsi.leader.LeaderElectionOptions;
import dev.lustrecsi.leader.Leadership;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.periodic.PeriodicTask;
import dev.lustrecsi.provisioner.exec.VirtctlSshExecutor;
import dev.lustrecsi.provisioner.fencing.NodeFencer;
import dev.lustrecsi.provisioner.metrics.OperatorMetrics;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.web.ClusterCache;
import dev.lustrecsi.provisioner.web.ClusterView;
import dev.lustrecsi.provisioner.web.OperatorHttpServer;
import dev.lustrecsi.provisioner.web.StatusPage;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs the server-provisioner: connects with the default kubeconfig (in-cluster service account in a pod),
 * watches LustreFileSystems and keeps their KubeVirt servers in shape until stopped.
 */
@Command(
        name = "server-provisioner",
        mixinStandardHelpOptions = true,
        description = "Runs Lustre MGS/MDS/OSS servers as KubeVirt VMs for LustreFileSystem resources. Only the Lease"
                + " holder (--leader-election) reconciles and does housekeeping; a leader that cannot renew exits.")
public final class OperatorMain implements Callable<Integer> {

    @Option(names = "--namespace", description = "Watch only this namespace (default: all namespaces).")
    String namespace;

    @Option(
            names = "--resync",
            defaultValue = "PT30S",
            description = "Re-examine every filesystem this often (ISO-8601 duration).")
    Duration resync;

    @Option(
            names = "--virtctl",
            defaultValue = "virtctl",
            description = "virtctl binary used to run lctl/lfs in server VMs.")
    String virtctl;

    @Option(
            names = "--ssh-identity",
            defaultValue = "/etc/server-provisioner/ssh/id_ed25519",
            description = "Private key for logging into server VMs.")
    Path sshIdentity;

    @Option(
            names = "--ssh-known-hosts",
            defaultValue = "/var/run/server-provisioner/known_hosts",
            description =
                    "known_hosts the operator writes with its servers' host keys (from their status) for virtctl ssh.")
    Path knownHosts;

    @Option(
            names = "--ssh-public-key",
            description =
                    "Public key file put into the servers' cloud-init " + "(default: <ssh-identity>.pub if it exists).")
    Path sshPublicKey;

    @Option(
            names = "--metrics-port",
            defaultValue = "0",
            description = "Serve the status page (/), Prometheus /metrics, /healthz and /readyz on this TCP port; "
                    + "0 turns it off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(
            names = "--orphan-interval",
            defaultValue = "PT5M",
            description = "Look for server VMs and target disks no LustreFileSystem owns this often; PT0S: never.")
    Duration orphanInterval;

    @Option(
            names = "--orphan-grace",
            defaultValue = "PT30M",
            description =
                    "Remove an orphaned VM or disk only after it has been one this long (default: ${DEFAULT-VALUE}).")
    Duration orphanGrace;

    @Option(
            names = "--io-stats-interval",
            defaultValue = "PT30S",
            description =
                    "Read Lustre jobstats on the servers this often for per-PVC/per-pod I/O metrics; PT0S: never.")
    Duration ioStatsInterval;

    @Mixin
    LeaderElectionOptions leaderElection;

    @Option(
            names = "--node-fencing-interval",
            defaultValue = "PT15S",
            description = "Look for dead nodes under server VMs this often and fence them (out-of-service taint) once "
                    + "their filesystem's nodeFailureGraceSeconds passed; PT0S: never (default: ${DEFAULT-VALUE}).")
    Duration nodeFencingInterval;

    @Option(
            names = "--reconcile-stuck-after",
            defaultValue = "PT15M",
            description = "/readyz fails while one reconcile has run this long (a call that never returns) "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration reconcileStuckAfter;

    /** Name of the operator's Lease. */
    static final String LEASE_NAME = "lustre-csi-operator";

    @Override
    public Integer call() throws Exception {
        Path pub = sshPublicKey != null ? sshPublicKey : Path.of(sshIdentity + ".pub");
        String authorizedKey = Files.isReadable(pub) ? Files.readString(pub).strip() : null;
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            var executor = new VirtctlSshExecutor(new ProcessCommandRunner(), virtctl, sshIdentity, knownHosts);
            var events = new EventRecorder(client);
            PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
            events.addListener(new OperatorMetrics(registry, () -> listFileSystems(client)));
            // Host keys the operator made for its servers, pinned before any connection (never trust on first use).
            var pinned = authorizedKey == null ? null : new dev.lustrecsi.provisioner.exec.KnownHosts(knownHosts);
            var reconciler = new LustreFileSystemReconciler(client, executor, events, authorizedKey, pinned);
            CountDownLatch stop = new CountDownLatch(1);
            // The leader's loops (reconcile worker, housekeeping tasks) once they run: not ready while one is stuck.
            AtomicReference<BooleanSupplier> loopsReady = new AtomicReference<>(() -> true);
            AtomicBoolean started = new AtomicBoolean();
            // Every replica serves its status page and metrics; only the Lease holder reconciles and does
            // housekeeping. Losing the Lease ends the process (Leadership.exitProcess): reconcile steps in flight
            // (VM writes, lctl over ssh) cannot outlive it, and the renew deadline leaves time to die before the
            // Lease can be taken.
            Leadership leadership = leaderElection.enabled()
                    ? new Leadership(
                            client,
                            leaderElection.namespace(),
                            LEASE_NAME,
                            Leadership.uniqueIdentity(),
                            leaderElection.timing(),
                            Leadership.exitProcess("server-provisioner"),
                            false)
                    : null;
            // Informers every replica keeps from its start: the status page reads them, the leader reconciles on
            // their events.
            try (ClusterCache cache = new ClusterCache(client, namespace).start();
                    OperatorHttpServer http = metricsPort > 0
                            ? OperatorHttpServer.start(
                                    new InetSocketAddress(metricsPort),
                                    registry,
                                    new StatusPage(() -> ClusterView.read(cache)),
                                    // A standby replica is ready too: it is campaigning and can see the API server.
                                    () -> (started.get() || leadership != null && !leadership.isLeading())
                                            && apiAnswers(client)
                                            && loopsReady.get().getAsBoolean())
                            : null) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                if (leadership != null) {
                    leadership.start();
                    while (!leadership.awaitLeading(Duration.ofSeconds(1))) {
                        if (stop.getCount() == 0 || leadership.hasLost()) {
                            leadership.close();
                            return 0;
                        }
                    }
                }
                try (LustreOperator operator = new LustreOperator(client, reconciler, namespace, resync)
                                .gatedBy(leadership == null ? () -> true : leadership::isLeading)
                                .countingFailuresIn(registry)
                                .sharing(cache);
                        Housekeeping housekeeping = new Housekeeping(
                                        client,
                                        executor,
                                        registry,
                                        namespace,
                                        () -> listFileSystems(client),
                                        orphanInterval,
                                        orphanGrace,
                                        ioStatsInterval)
                                .also(
                                        nodeFencingInterval,
                                        "node fencing",
                                        new NodeFencer(client, namespace, Clock.systemUTC(), events)::round)) {
                    operator.start();
                    PeriodicTask.Readiness worker = operator.readiness(reconcileStuckAfter, Clock.systemUTC());
                    loopsReady.set(() -> allReady(housekeeping, worker));
                    started.set(true);
                    stop.await();
                } finally {
                    if (leadership != null) {
                        leadership.close();
                    }
                }
            }
        }
        return 0;
    }

    /** Every loop is running; the first that is not is logged with its reason. */
    private static boolean allReady(Housekeeping housekeeping, PeriodicTask.Readiness worker) {
        List<PeriodicTask.Readiness.Result> results = new java.util.ArrayList<>(housekeeping.readiness());
        results.add(worker.check());
        for (PeriodicTask.Readiness.Result r : results) {
            if (!r.ready()) {
                org.slf4j.LoggerFactory.getLogger(OperatorMain.class).warn("not ready: {}", r.detail());
                return false;
            }
        }
        return true;
    }

    /** One small list call: the API server answers and the operator may read what it watches. */
    private boolean apiAnswers(KubernetesClient client) {
        var op = client.resources(LustreFileSystem.class);
        var limit = new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                .withLimit(1L)
                .build();
        (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace)).list(limit);
        return true;
    }

    private List<LustreFileSystem> listFileSystems(KubernetesClient client) {
        var op = client.resources(LustreFileSystem.class);
        return (namespace == null
                        ? op.inAnyNamespace().list()
                        : op.inNamespace(namespace).list())
                .getItems();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new OperatorMain()).execute(args));
    }
}
