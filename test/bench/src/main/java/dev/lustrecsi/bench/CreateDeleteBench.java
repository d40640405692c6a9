package dev.lustrecsi.bench;

import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.Crds;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Shared-pool CreateVolume and DeleteVolume over the controller's Unix socket at several concurrencies: the real
 * ControllerService (LustreVolume records, capacity planner, pool mount, directory, project id and quota through lfs)
 * against a real kube-apiserver (BENCH_KUBECONFIG, or a control plane of its own where test/support finds the
 * binaries) or else fabric8's mock API server, and the stand-in Lustre tools; each figure names the API server. Each
 * round creates a batch of volumes with {@code c} concurrent callers, then deletes them the same way.
 */
final class CreateDeleteBench {
    static final String NAME = "create-delete";
    private static final String NAMESPACE = "bench";
    private static final String POOL = "benchpool";
    private static final double P99_TARGET_MS = 50;
    private static final double RATE_TARGET = 200;
    static final String MOCK_API = "mock API server";
    static final String REAL_API = "real kube-apiserver";

    private final int[] concurrencies;
    private final int volumesPerRound;
    private final int rounds;

    CreateDeleteBench(int[] concurrencies, int volumesPerRound, int rounds) {
        this.concurrencies = concurrencies;
        this.volumesPerRound = volumesPerRound;
        this.rounds = rounds;
    }

    void run(Path workDir, ResultTable table) throws Exception {
        String kubeconfig = System.getenv("BENCH_KUBECONFIG");
        if (kubeconfig == null && ControlPlane.unavailableReason().isEmpty()) {
            // A real API server's write cost is part of CreateVolume's: on a real control plane of its own (etcd,
            // kube-apiserver) where the binaries are installed, with the chart's CRDs.
            try (ControlPlane plane = ControlPlane.start()) {
                Crds.install(plane.adminClient(), chartCrds());
                ensureNamespace(plane.adminClient());
                run(plane.adminClient(), REAL_API, workDir, table);
            }
            return;
        }
        if (kubeconfig == null) {
            System.out.println("create-delete: on the mock API server ("
                    + ControlPlane.unavailableReason().orElseThrow() + ")");
            try (MockCluster cluster = MockCluster.start()) {
                run(cluster.client(), MOCK_API, workDir, table);
            }
            return;
        }
        // A real kube-apiserver + etcd (with the project's CRDs applied): the same rounds against the real thing.
        try (io.fabric8.kubernetes.client.KubernetesClient client =
                new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                        .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(
                                java.nio.file.Files.readString(Path.of(kubeconfig))))
                        .build()) {
            ensureNamespace(client);
            run(client, REAL_API, workDir, table);
        }
    }

    /** Which API server the figures were measured on, for their labels. */
    static String apiServer() {
        return System.getenv("BENCH_KUBECONFIG") != null
                        || ControlPlane.unavailableReason().isEmpty()
                ? REAL_API
                : MOCK_API;
    }

    private static void ensureNamespace(io.fabric8.kubernetes.client.KubernetesClient client) {
        ensureNamespace(client, NAMESPACE);
    }

    static void ensureNamespace(io.fabric8.kubernetes.client.KubernetesClient client, String namespace) {
        if (client.namespaces().withName(namespace).get() == null) {
            client.namespaces()
                    .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                            .withNewMetadata()
                            .withName(namespace)
                            .endMetadata()
                            .build())
                    .create();
        }
    }

    /** The project's CRDs as the chart ships them (deploy/chart/lustre-csi/crds), from the repository root. */
    static List<CustomResourceDefinition> chartCrds() throws java.io.IOException {
        Path dir = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && dir == null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/chart/lustre-csi/crds"))) {
                dir = p.resolve("deploy/chart/lustre-csi/crds");
            }
        }
        if (dir == null) {
            throw new IllegalStateException("deploy/chart/lustre-csi/crds not found above "
                    + Path.of("").toAbsolutePath());
        }
        List<CustomResourceDefinition> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                out.add(Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class));
            }
        }
        return out;
    }

    private void run(io.fabric8.kubernetes.client.KubernetesClient client, String api, Path workDir, ResultTable table)
            throws Exception {
        run(client, api, workDir, table, POOL, false, concurrencies);
        // The same rounds with lfs answered in-process: the driver's own cost, without the stand-in's processes.
        run(
                client,
                api + ", lfs answered in-process (driver's own cost)",
                workDir.resolve("in-process-lfs"),
                table,
                POOL + "-ip",
                true,
                new int[] {1, concurrencies[concurrencies.length - 1]});
    }

    private void run(
            io.fabric8.kubernetes.client.KubernetesClient client,
            String api,
            Path workDir,
            ResultTable table,
            String pool,
            boolean lfsInProcess,
            int[] concurrencies)
            throws Exception {
        Map<String, String> parameters = ControllerOnSocket.poolParameters(pool, NAMESPACE, 64);
        try (ControllerOnSocket controller =
                new ControllerOnSocket(client, NAMESPACE, workDir, Duration.ofMillis(200), 25, lfsInProcess)) {
            ControllerGrpc.ControllerBlockingStub stub = controller.stub();
            // The first volume creates the pool; it is UNAVAILABLE until the "operator" reports it Ready.
            PoolStatus.createReady(
                    stub,
                    ControllerOnSocket.create("warmup-0", ControllerOnSocket.GI, parameters),
                    client,
                    NAMESPACE,
                    pool,
                    "10.9.0.1@tcp");
            // Warm-up (JIT, connections, the pool mount), not measured.
            round(
                    stub,
                    parameters,
                    "warmup",
                    Math.min(4, concurrencies[concurrencies.length - 1]),
                    Math.max(8, volumesPerRound / 2),
                    new Samples(),
                    new Samples(),
                    new Samples());
            for (int c : concurrencies) {
                Samples create = new Samples();
                Samples delete = new Samples();
                Samples rate = new Samples();
                for (int r = 0; r < rounds; r++) {
                    round(stub, parameters, "c" + c + "-r" + r, c, volumesPerRound, create, delete, rate);
                }
                String label = "concurrency " + c + ", " + api;
                if (!lfsInProcess) {
                    profile(stub, parameters, c, label, table);
                }
                table.add(Figure.of(
                        NAME,
                        "CreateVolume latency, ms (" + label + ")",
                        create,
                        "p99 <= 50 ms",
                        create.p99() <= P99_TARGET_MS,
                        ""));
                table.add(Figure.of(NAME, "DeleteVolume latency, ms (" + label + ")", delete, ""));
                table.add(Figure.of(
                        NAME,
                        "creates/s (" + label + ", " + volumesPerRound + " per round)",
                        rate,
                        ">= 200/s (median)",
                        rate.median() >= RATE_TARGET,
                        ""));
            }
            if (!lfsInProcess) {
                calibrate(client, controller, table);
            }
        }
    }

    /**
     * What the outermost stand-ins cost per call on this machine, to read the figures above against: one shared
     * volume create on a usable pool is 2 reads (the pool) and 1 write (its LustreVolume) to the API server plus 3 lfs
     * runs ({@code quota -p}, {@code project -s}, {@code setquota}); a delete 2 reads, 2 writes, 1 lfs run.
     */
    private void calibrate(
            io.fabric8.kubernetes.client.KubernetesClient client, ControllerOnSocket controller, ResultTable table) {
        io.fabric8.kubernetes.api.model.ConfigMap cm = client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("calibration")
                        .endMetadata()
                        .addToData("k", "v")
                        .build())
                .createOr(r -> r.update());
        Samples get = new Samples();
        Samples put = new Samples();
        Samples lfs = new Samples();
        dev.lustrecsi.lustre.ProcessCommandRunner runner = new dev.lustrecsi.lustre.ProcessCommandRunner();
        List<String> setquota = new dev.lustrecsi.lustre.LfsCommands(controller.standIns.toolPaths())
                .setProjectBlockLimit(
                        99_999,
                        ControllerOnSocket.GI,
                        controller.mountRoot.resolve(NAMESPACE).resolve(POOL).toString());
        int n = Math.max(10, volumesPerRound / 4);
        for (int i = 0; i < n + 5; i++) {
            long t0 = System.nanoTime();
            cm = client.configMaps()
                    .inNamespace(NAMESPACE)
                    .withName("calibration")
                    .get();
            long t1 = System.nanoTime();
            cm.getData().put("k", Integer.toString(i));
            cm = client.configMaps().inNamespace(NAMESPACE).resource(cm).update();
            long t2 = System.nanoTime();
            runner.runChecked(setquota, Duration.ofSeconds(30));
            long t3 = System.nanoTime();
            if (i >= 5) {
                get.addNanosAsMillis(t1 - t0);
                put.addNanosAsMillis(t2 - t1);
                lfs.addNanosAsMillis(t3 - t2);
            }
        }
        table.add(Figure.of(
                NAME,
                "calibration: API server GET of a small ConfigMap, ms",
                get,
                "the mock API server runs in the benchmark JVM; a real one in its own process; both share the cores"));
        table.add(Figure.of(NAME, "calibration: API server PUT of a small ConfigMap, ms", put, ""));
        table.add(Figure.of(
                NAME,
                "calibration: one stand-in lfs run (bash script), ms",
                lfs,
                "lfs setquota through ProcessCommandRunner, as the controller runs it"));
    }

    /**
     * One more round, not counted above, with {@link WallClockProfile} sampling the create calls: where a create's
     * wall time goes at this concurrency (API server, lfs processes, locks, the watch), largest shares first.
     */
    private void profile(
            ControllerGrpc.ControllerBlockingStub stub,
            Map<String, String> parameters,
            int c,
            String label,
            ResultTable table)
            throws Exception {
        List<String> lines;
        try (WallClockProfile profile = new WallClockProfile("SharedPoolVolumes.create", 3)) {
            round(stub, parameters, "profile-c" + c, c, volumesPerRound, new Samples(), new Samples(), new Samples());
            lines = profile.report(12);
            System.out.println(
                    "where CreateVolume's wall time goes (" + label + ", " + profile.samples() + " stack samples):");
        }
        lines.forEach(l -> System.out.println("  " + l));
        for (String line : lines.subList(0, Math.min(4, lines.size()))) {
            String share = line.trim();
            int cut = share.indexOf('%');
            table.add(Figure.single(
                    NAME,
                    "share of CreateVolume wall time, % (" + label + "): "
                            + share.substring(cut + 1).trim(),
                    Double.parseDouble(share.substring(0, cut)),
                    "stack samples every 3 ms in an extra round"));
        }
    }

    private void round(
            ControllerGrpc.ControllerBlockingStub stub,
            Map<String, String> parameters,
            String prefix,
            int concurrency,
            int volumes,
            Samples create,
            Samples delete,
            Samples rate)
            throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(concurrency);
        try {
            long start = System.nanoTime();
            runAll(callers, concurrency, volumes, i -> {
                long t0 = System.nanoTime();
                String id = stub.createVolume(
                                ControllerOnSocket.create(prefix + "-" + i, ControllerOnSocket.GI, parameters))
                        .getVolume()
                        .getVolumeId();
                create.addNanosAsMillis(System.nanoTime() - t0);
                ids.add(id);
            });
            rate.add(volumes / ((System.nanoTime() - start) / 1e9));
            List<String> created = List.copyOf(ids);
            runAll(callers, concurrency, created.size(), i -> {
                long t0 = System.nanoTime();
                stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId(created.get(i))
                        .build());
                delete.addNanosAsMillis(System.nanoTime() - t0);
            });
        } finally {
            callers.shutdownNow();
        }
    }

    interface Op {
        void run(int index) throws Exception;
    }

    /** Runs op(0..n-1) with {@code concurrency} callers, each taking the next index; rethrows the first failure. */
    static void runAll(ExecutorService callers, int concurrency, int n, Op op) throws Exception {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(callers.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    op.run(i);
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
    }
}
