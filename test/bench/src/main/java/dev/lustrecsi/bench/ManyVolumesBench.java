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
                // The running controller learns of them through its watch; measure once it has them all.
                long deadline = System.nanoTime() + 600_000_000_000L;
                while (countByListing(stub) != volumes) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the controller did not see all " + volumes + " records");
                    }
                    Thread.sleep(500);
                }

                // A create and delete on the full pool, for the cost per call at this size.
                Samples createAtSize = new Samples();
                Samples deleteAtSize = new Samples();
                for (int i = 0; i < Math.min(20, restarts * 7); i++) {
                    long t0 = System.nanoTime();
                    String id = stub.createVolume(
                                    ControllerOnSocket.create("extra-" + i, ControllerOnSocket.GI, PARAMETERS))
                            .getVolume()
                            .getVolumeId();
                    long t1 = System.nanoTime();
                    stub.deleteVolume(
                            DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
                    createAtSize.addNanosAsMillis(t1 - t0);
                    deleteAtSize.addNanosAsMillis(System.nanoTime() - t1);
                }
                table.add(Figure.of(
                        NAME,
                        "CreateVolume on a pool of " + label + ", ms",
                        createAtSize,
                        "as on an empty pool (create-delete, concurrency 1)",
                        null,
                        "sequential; one LustreVolume written per create; compare with create-delete's figure"));
                table.add(Figure.of(NAME, "DeleteVolume on a pool of " + label + ", ms", deleteAtSize, ""));
            }
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
            Samples page = new Samples();
            Samples heap = new Samples();
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
                    "process spawn to Probe ready=true"));
            table.add(Figure.of(
                    NAME,
                    "ListVolumes page of 500, ms (" + label + ")",
                    page,
                    "<= 50 ms (p99)",
                    page.p99() <= 50,
                    "every page of a full listing, after one warm-up listing"));
        }
    }

    private static int countByListing(ControllerGrpc.ControllerBlockingStub stub) {
        int seen = 0;
        String token = "";
        do {
            ListVolumesResponse resp = stub.listVolumes(ListVolumesRequest.newBuilder()
                    .setMaxEntries(500)
                    .setStartingToken(token)
                    .build());
            seen += resp.getEntriesCount();
            token = resp.getNextToken();
        } while (!token.isEmpty());
        return seen;
    }

    /**
     * On the real control plane: volumes 1..n-1 written straight into the API server's etcd, each the stored form of
     * volume 0's record (the one CreateVolume made through the API server, managedFields included) with its own
     * name, uid, project id and claim. The API server's watch of etcd delivers them as any write; the LISTs measured
     * after it are the API server's. Seeding through the API server runs at about 30 objects/s on this loaded
     * machine (an hour for 100,000), which measures nothing the benchmark is about.
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
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(SEED_WRITERS);
        try {
            CreateDeleteBench.runAll(writers, SEED_WRITERS, volumes - 1, n -> {
                int i = n + 1;
                String name = String.format("vol-%06d", i);
                LustreVolume v = Serialization.unmarshal(Serialization.asJson(first), LustreVolume.class);
                v.getMetadata().setName(VolumeRecords.objectName(POOL, name));
                v.getMetadata().setUid(java.util.UUID.randomUUID().toString());
                v.getMetadata().setResourceVersion(null);
                v.getSpec().setVolumeName(name);
                v.getSpec().setProjectId(first.getSpec().getProjectId() + i);
                v.getSpec().setPvc("default/claim-" + i);
                v.getSpec().setState(VolumeState.Ready);
                String body = "{\"key\":\"" + b64(prefix + v.getMetadata().getName()) + "\",\"value\":\""
                        + b64(Serialization.asJson(v)) + "\"}";
                etcdCall(http, etcd + "/v3/kv/put", body);
            });
        } finally {
            writers.shutdownNow();
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
                        now);
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
