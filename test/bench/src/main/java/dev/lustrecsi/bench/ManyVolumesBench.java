package dev.lustrecsi.bench;

import dev.lustrecsi.controller.VolumeRecord;
import dev.lustrecsi.controller.VolumeRecords;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.ListVolumesResponse;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.VolumeState;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.Crds;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One shared pool holding many volumes (10,000 and 100,000 by default), served by the real csi-controller runnable
 * jar as a child process on a real kube-apiserver + etcd where test/support finds the binaries (as create-delete),
 * else on the mock API server; each figure names which. Measured: the controller's Java heap after a full GC once it
 * has listed them all, the time from process start to Probe ready (a restart: the records' paginated LIST and the
 * view built from it), and ListVolumes pages of 500 over the socket.
 *
 * <p>The first volume is made by CreateVolume (pool, mount, directory, quota); the others are written as
 * LustreVolume records by the product's own writer ({@link VolumeRecords#toResource}), Ready and shaped exactly
 * like that first one (distinct names and project ids) - creating 100,000 through the stand-in lfs would take
 * hours of shell forks and measure the stand-in. Their directories are therefore not on the stand-in server;
 * nothing measured here reads them.
 */
final class ManyVolumesBench {
    static final String NAME = "many-volumes";
    private static final String NAMESPACE = "bench";
    private static final String POOL = "bigpool";
    private static final Map<String, String> PARAMETERS = ControllerOnSocket.poolParameters(POOL, NAMESPACE, 256);
    private static final List<String> CONTROLLER_IMAGE_FLAGS = List.of("-XX:MaxRAMPercentage=75");
    /** A restart at 100,000 records on this machine takes longer than a minute: wait long enough to measure it. */
    private static final long READY_WAIT_MS = 900_000;
    /** Concurrent writers seeding the records (a real API server takes them in parallel). */
    private static final int SEED_WRITERS = 32;
    /** Writers of etcd transactions: etcd applies them one at a time, so a few keep it busy on 2 cores. */
    private static final int ETCD_WRITERS = 4;
    /** Records per etcd transaction: below etcd's default --max-txn-ops (128) and far below --max-request-bytes. */
    private static final int PUTS_PER_TXN = 100;

    private final Path jar;
    /** The real control plane's etcd log (its client URL), or null on the mock API server. */
    private Path etcdLog;

    private final int volumes;
    private final int restarts;

    ManyVolumesBench(Path jar, int volumes, int restarts) {
        this.jar = jar;
        this.volumes = volumes;
        this.restarts = restarts;
    }

    void run(Path workDir, ResultTable table) throws Exception {
        Files.createDirectories(workDir);
        LustreStandIns standIns = ControllerOnSocket.standIns();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try {
            if (ControlPlane.unavailableReason().isEmpty()) {
                try (ControlPlane plane = ControlPlane.start()) {
                    Crds.install(plane.adminClient(), CreateDeleteBench.chartCrds());
                    CreateDeleteBench.ensureNamespace(plane.adminClient(), NAMESPACE);
                    String label = String.format("%,d volumes, %s", volumes, CreateDeleteBench.REAL_API);
                    this.etcdLog = plane.directory().resolve("etcd.log");
                    measure(workDir, table, standIns, java, label, plane.adminClient(), plane.kubeconfig());
                }
            } else {
                System.out.println("many-volumes: on the mock API server ("
                        + ControlPlane.unavailableReason().orElseThrow() + ")");
                try (MockCluster cluster = MockCluster.start()) {
                    KubernetesClient client = cluster.client();
                    Path kubeconfig = NodeFootprintBench.writeKubeconfig(
                            workDir.resolve("kubeconfig"), client.getMasterUrl().toString());
                    String label = String.format("%,d volumes, %s", volumes, CreateDeleteBench.MOCK_API);
                    measure(workDir, table, standIns, java, label, client, kubeconfig);
                }
            }
        } finally {
            // The child controllers mounted the pool in this namespace; they are gone, the mount is not.
            ControllerOnSocket.unmountBelow(workDir.resolve("pools"), standIns);
        }
    }

    private void measure(
            Path workDir,
            ResultTable table,
            LustreStandIns standIns,
            Path java,
            String label,
            KubernetesClient client,
            Path kubeconfig)
            throws Exception {
        {
            Map<String, String> env = new java.util.HashMap<>();
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("KUBERNETES_SERVICE_HOST", null);
            Path socket = workDir.resolve("controller.sock");
            List<String> args = List.of(
                    "--endpoint",
                    "unix://" + socket,
                    "--namespace",
                    NAMESPACE,
                    "--pool-mount-root",
                    workDir.resolve("pools").toString(),
                    "--lfs",
                    standIns.binDirectory().resolve("lfs").toString(),
                    "--ready-wait",
                    "PT1S",
                    "--v",
                    "1");

            // Seed: the pool and its first volume through CreateVolume, the rest as records.
            try (ChildPlugin controller = ChildPlugin.start(
                    java, CONTROLLER_IMAGE_FLAGS, jar, args, socket, env, workDir.resolve("controller-seed.log"))) {
                controller.awaitProbeReady(READY_WAIT_MS);
                ControllerGrpc.ControllerBlockingStub stub = ControllerGrpc.newBlockingStub(controller.channel());
                PoolStatus.createReady(
                        stub,
                        ControllerOnSocket.create("vol-00000", ControllerOnSocket.GI, PARAMETERS),
                        client,
                        NAMESPACE,
                        POOL,
                        "10.9.0.2@tcp");
                stub.createVolume(ControllerOnSocket.create("vol-00000", ControllerOnSocket.GI, PARAMETERS));
                long seedStart = System.nanoTime();
                if (etcdLog != null) {
                    seedThroughEtcd(client);
                } else {
                    seedLedger(client);
                }
                double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
                System.out.printf(
                        "many-volumes: %,d records written in %.0f s (%.0f/s)%n",
                        volumes - 1, seedSeconds, (volumes - 1) / seedSeconds);
            }
            // The seed controller is gone: its watch saw the records arrive in transactions of many objects at one
            // revision, which no API server write makes (a watch resumed at such a revision skips the rest of it).
            // Every controller measured below starts from its own LIST. Wait until the API server's watch cache
            // holds them all, so a restart measures a LIST at rest, not the cache catching up with etcd.
            long caughtUpStart = System.nanoTime();
            long deadline = caughtUpStart + 1_200_000_000_000L;
            long cached;
            while ((cached = countInWatchCache(client)) != volumes) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the API server's cache held " + cached + " of " + volumes + " records after 20 minutes");
                }
                Thread.sleep(5_000);
            }
            System.out.printf(
                    "many-volumes: the API server's watch cache held all %,d records %.0f s after seeding (%s)%n",
                    volumes, (System.nanoTime() - caughtUpStart) / 1e9, loadAverage());
            LustreVolume one = client.resources(LustreVolume.class)
                    .inNamespace(NAMESPACE)
                    .withName(VolumeRecords.objectName(POOL, "vol-000001"))
                    .get();
            double recordKiB = Serialization.asJson(one).getBytes(StandardCharsets.UTF_8).length / 1024.0;
            table.add(Figure.single(
                    NAME,
                    "largest object that grows with the pool, KiB (" + label + ")",
                    recordKiB,
                    "<= 1024 KiB (API object limit)",
                    recordKiB <= 1024,
                    "none grows: each volume is its own LustreVolume; this is one record's size"));

            Samples ready = new Samples();
            Samples readyCpu = new Samples();
            Samples page = new Samples();
            Samples heap = new Samples();
            String loadAtRestarts = loadAverage();
            for (int r = 0; r < restarts; r++) {
                try (ChildPlugin controller = ChildPlugin.start(
                        java,
                        CONTROLLER_IMAGE_FLAGS,
                        jar,
                        args,
                        socket,
                        env,
                        workDir.resolve("controller-" + r + ".log"))) {
                    ready.add(controller.awaitProbeReady(READY_WAIT_MS));
                    readyCpu.add(controller.cpuMillis());
                    ControllerGrpc.ControllerBlockingStub stub = ControllerGrpc.newBlockingStub(controller.channel());
                    int seen = 0;
                    for (int pass = 0; pass < 2; pass++) {
                        String token = "";
                        seen = 0;
                        do {
                            long t0 = System.nanoTime();
                            ListVolumesResponse resp = stub.listVolumes(ListVolumesRequest.newBuilder()
                                    .setMaxEntries(500)
                                    .setStartingToken(token)
                                    .build());
                            long elapsed = System.nanoTime() - t0;
                            // The first pass warms the JIT after the restart; the second is measured.
                            if (pass == 1) {
                                page.addNanosAsMillis(elapsed);
                            }
                            seen += resp.getEntriesCount();
                            token = resp.getNextToken();
                        } while (!token.isEmpty());
                    }
                    if (seen != volumes) {
                        throw new IllegalStateException(
                                "ListVolumes returned " + seen + " volumes, expected " + volumes);
                    }
                    heap.add(controller.heapAfterFullGcMiB(java));
                    if (r == 0) {
                        createDeleteAtSize(stub, table, label);
                    }
                }
            }
            table.add(Figure.of(
                    NAME,
                    "controller heap after full GC, MiB (" + label + ")",
                    heap,
                    "<= 256 MiB (max)",
                    heap.max() <= 256,
                    "after paging through every volume; jcmd GC.run, then GC.heap_info; "
                            + "flags as the controller image: " + String.join(" ", CONTROLLER_IMAGE_FLAGS)));
            table.add(Figure.of(
                    NAME,
                    "controller restart to Probe ready, ms (" + label + ")",
                    ready,
                    "<= 5000 ms (max)",
                    ready.max() <= 5000,
                    "process spawn to Probe ready=true (the records' paginated LIST and the view); " + loadAtRestarts));
            table.add(Figure.of(
                    NAME,
                    "controller CPU time to Probe ready, ms (" + label + ")",
                    readyCpu,
                    "",
                    null,
                    "user + system of the controller JVM at ready: less load-sensitive than wall time"));
            table.add(Figure.of(
                    NAME,
                    "ListVolumes page of 500, ms (" + label + ")",
                    page,
                    "<= 50 ms (p99)",
                    page.p99() <= 50,
                    "every page of a full listing, after one warm-up listing; " + loadAverage()));
        }
    }

    /** A create and delete on the full pool, for the cost per call at this size. */
    private void createDeleteAtSize(ControllerGrpc.ControllerBlockingStub stub, ResultTable table, String label) {
        Samples createAtSize = new Samples();
        Samples deleteAtSize = new Samples();
        for (int i = 0; i < Math.min(20, restarts * 7); i++) {
            long t0 = System.nanoTime();
            String id = stub.createVolume(ControllerOnSocket.create("extra-" + i, ControllerOnSocket.GI, PARAMETERS))
                    .getVolume()
                    .getVolumeId();
            long t1 = System.nanoTime();
            stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
            createAtSize.addNanosAsMillis(t1 - t0);
            deleteAtSize.addNanosAsMillis(System.nanoTime() - t1);
        }
        table.add(Figure.of(
                NAME,
                "CreateVolume on a pool of " + label + ", ms",
                createAtSize,
                "as on an empty pool (create-delete, concurrency 1)",
                null,
                "sequential; one LustreVolume written per create; compare with create-delete's figure; "
                        + loadAverage()));
        table.add(Figure.of(NAME, "DeleteVolume on a pool of " + label + ", ms", deleteAtSize, "", null, ""));
    }

    /**
     * How many records the API server's watch cache holds: a LIST at resourceVersion 0 (served from the cache, of
     * whatever age) of one item, whose remainingItemCount says the rest; a full LIST where the server gives none.
     */
    private static long countInWatchCache(KubernetesClient client) {
        var one = client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                        .withResourceVersion("0")
                        .withLimit(1L)
                        .build());
        Long remaining = one.getMetadata().getRemainingItemCount();
        String next = one.getMetadata().getContinue();
        if (remaining != null || next == null || next.isEmpty()) {
            return one.getItems().size() + (remaining == null ? 0 : remaining);
        }
        return client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                        .withResourceVersion("0")
                        .build())
                .getItems()
                .size();
    }

    /**
     * On the real control plane: volumes 1..n-1 written straight into the API server's etcd, each the stored form of
     * volume 0's record (the one CreateVolume made through the API server, managedFields included) with its own
     * name, uid, project id and claim. The API server's watch of etcd delivers them as any write; the LISTs measured
     * after it are the API server's. Seeding through the API server runs at about 30 objects/s on this loaded
     * machine (an hour for 100,000), which measures nothing the benchmark is about.
     *
     * <p>Valid for custom resources: the API server stores them as JSON (CRs have no protobuf encoding), unencrypted
     * here, under /registry/&lt;group&gt;/&lt;resource&gt;/&lt;namespace&gt;/&lt;name&gt; (checked on volume 0's key), and
     * sets resourceVersion from etcd's revision on read, so the stored form carries none. Written in transactions of
     * {@value #PUTS_PER_TXN} puts: one put per request ran at 112/s at load 80 (the gateway's per-request cost, not
     * etcd, was the limit). A transaction is one revision for all its objects, which no API server write makes: a
     * watch that ends inside such a revision resumes after it and misses the rest, so no controller measured here
     * keeps a watch across the seeding.
     */
    private void seedThroughEtcd(KubernetesClient client) throws Exception {
        String log = Files.readString(etcdLog);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"listen-client-urls\":\\[\"(http://[^\"]+)\"")
                .matcher(log);
        if (!m.find()) {
            throw new IllegalStateException("no client URL in " + etcdLog);
        }
        String etcd = m.group(1);
        LustreVolume first = client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .withName(VolumeRecords.objectName(POOL, "vol-00000"))
                .get();
        String prefix = "/registry/" + LustreFileSystem.GROUP + "/lustrevolumes/" + NAMESPACE + "/";
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        // The key layout checked on the record the API server wrote.
        String range = etcdCall(
                http,
                etcd + "/v3/kv/range",
                "{\"key\":\"" + b64(prefix + first.getMetadata().getName()) + "\"}");
        if (!range.contains("\"count\":\"1\"")) {
            throw new IllegalStateException("record not found in etcd under " + prefix + ": " + range);
        }
        String stored = Serialization.asJson(first);
        int batches = (volumes - 1 + PUTS_PER_TXN - 1) / PUTS_PER_TXN;
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(ETCD_WRITERS);
        try {
            CreateDeleteBench.runAll(writers, ETCD_WRITERS, batches, b -> {
                StringBuilder txn = new StringBuilder("{\"success\":[");
                int from = 1 + b * PUTS_PER_TXN;
                int to = Math.min(volumes, from + PUTS_PER_TXN);
                for (int i = from; i < to; i++) {
                    String name = String.format("vol-%06d", i);
                    LustreVolume v = Serialization.unmarshal(stored, LustreVolume.class);
                    v.getMetadata().setName(VolumeRecords.objectName(POOL, name));
                    v.getMetadata().setUid(java.util.UUID.randomUUID().toString());
                    v.getMetadata().setResourceVersion(null);
                    v.getSpec().setVolumeName(name);
                    v.getSpec().setProjectId(first.getSpec().getProjectId() + i);
                    v.getSpec().setPvc("default/claim-" + i);
                    v.getSpec().setState(VolumeState.Ready);
                    txn.append(i == from ? "" : ",")
                            .append("{\"requestPut\":{\"key\":\"")
                            .append(b64(prefix + v.getMetadata().getName()))
                            .append("\",\"value\":\"")
                            .append(b64(Serialization.asJson(v)))
                            .append("\"}}");
                }
                String answer =
                        etcdCall(http, etcd + "/v3/kv/txn", txn.append("]}").toString());
                if (!answer.contains("\"succeeded\":true")) {
                    throw new IllegalStateException("etcd transaction not applied: " + answer);
                }
            });
        } finally {
            writers.shutdownNow();
        }
    }

    /** The machine's load averages (1, 5, 15 min), which every wall-clock figure here depends on. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load average " + f[0] + " / " + f[1] + " / " + f[2];
        } catch (java.io.IOException e) {
            return "load average unknown";
        }
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String etcdCall(java.net.http.HttpClient http, String url, String body) throws Exception {
        java.net.http.HttpResponse<String> r = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("etcd " + url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** Volumes 1..n-1 as Ready records shaped like volume 0 (the one CreateVolume made), 8 writers at once. */
    private void seedLedger(KubernetesClient client) throws Exception {
        LustreFileSystem pool = client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .withName(POOL)
                .get();
        VolumeRecord first = VolumeRecords.parse(client.resources(LustreVolume.class)
                        .inNamespace(NAMESPACE)
                        .withName(VolumeRecords.objectName(POOL, "vol-00000"))
                        .get())
                .orElseThrow()
                .record();
        String now = Instant.now().toString();
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(SEED_WRITERS);
        try {
            CreateDeleteBench.runAll(writers, SEED_WRITERS, volumes - 1, n -> {
                int i = n + 1;
                VolumeRecord r = new VolumeRecord(
                        first.projectId() + i,
                        first.capacityBytes(),
                        first.parameters(),
                        VolumeState.Ready,
                        first.onDelete(),
                        first.stripeCount(),
                        first.stripeSize(),
                        first.directoryMode(),
                        first.mountOptions(),
                        "default/claim-" + i,
                        now,
                        null);
                client.resources(LustreVolume.class)
                        .inNamespace(NAMESPACE)
                        .resource(VolumeRecords.toResource(pool, String.format("vol-%06d", i), r))
                        .create();
            });
        } finally {
            writers.shutdownNow();
        }
    }
}
