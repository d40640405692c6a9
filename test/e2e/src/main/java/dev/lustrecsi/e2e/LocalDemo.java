package dev.lustrecsi.e2e;

import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.web.OperatorHttpServer;
import dev.lustrecsi.provisioner.web.StatusPage;
import dev.lustrecsi.testing.kube.ControlPlane;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.kubevirt.v1.VirtualMachine;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The README's "run" command: starts the whole product on this machine ({@link LocalCluster}) and plays what a
 * user does, printing what {@code kubectl get pv,pvc,lustrefs,vm} would show after each step and how long the
 * step took. {@code --keep} leaves it running with a kubeconfig for kubectl (claims applied meanwhile are
 * provisioned); {@code --step} waits for Enter before each step.
 */
public final class LocalDemo {
    private static final String APP_NAMESPACE = "research";
    private static final Duration STEP_BOUND = Duration.ofMinutes(3);

    private final LocalCluster cluster;
    private final ExternalProvisioner provisioner;
    private final Kubelet kubelet;
    private final ClusterView view;
    private final boolean stepByStep;
    private final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    private int step;

    LocalDemo(LocalCluster cluster, boolean stepByStep) {
        this.cluster = cluster;
        // On the real control plane the real external-provisioner and PV controller do the provisioning; the
        // harness only reads what they did. On the mock it plays them.
        this.provisioner = cluster.realControlPlane()
                ? ExternalProvisioner.observing(cluster.client())
                : new ExternalProvisioner(cluster.client(), cluster::controllerStub);
        this.kubelet = new Kubelet(cluster.kubeletDir(), cluster::nodeStub);
        this.view = new ClusterView(cluster.client(), LocalCluster.NAMESPACE);
        this.stepByStep = stepByStep;
    }

    public static void main(String[] args) throws Exception {
        boolean keep = List.of(args).contains("--keep");
        boolean stepByStep = List.of(args).contains("--step");
        if (List.of(args).contains("--help")) {
            System.out.println("usage: bin/demo [--keep] [--step]\n  --keep  leave the cluster running afterwards,"
                    + " with a kubeconfig for kubectl\n  --step  wait for Enter before each step");
            return;
        }
        Path home = Files.createTempDirectory("lustre-csi-demo-");
        long t0 = System.nanoTime();
        java.util.Optional<String> noRealPlane = ControlPlane.unavailableReason();
        System.out.print(noRealPlane.isEmpty() ? WHAT_IS_REAL_ON_A_REAL_CONTROL_PLANE : WHAT_IS_REAL);
        noRealPlane.ifPresent(why -> System.out.println("(" + why + "; so the demo runs on fabric8's mock API server."
                + " Against it these kubectl commands do not work: kubectl create namespace (hangs: the mock cannot"
                + " read kubectl's protobuf bodies; kubectl create --validate=false -f with a Namespace manifest"
                + " works), kubectl apply or create without --validate=false (no OpenAPI document), kubectl describe"
                + " (protobuf again), printer columns (kubectl get shows NAME and AGE only), and anything with Pods"
                + " (no Pod resource). bin/install-test-tools unpacks the real control plane where the test tools"
                + " are available.)"));
        System.out.println("Starting the product in " + home + " (logs in " + home.resolve("logs") + ")");
        LocalCluster cluster = LocalCluster.startOnRealControlPlaneIfAvailable(home, LocalCluster.Settings.defaults());
        System.out.printf(
                "  %s, KubeVirt simulator, operator, CSI controller (pid %d) and CSI node plugin"
                        + " (pid %d) up in %d ms%n",
                cluster.realControlPlane()
                        ? "real kube-apiserver " + cluster.apiUrl() + " with external-provisioner and external-resizer"
                        : "mock API server",
                cluster.controller().pid(),
                cluster.node().pid(),
                millisSince(t0));
        // The operator's read-only status page, as OperatorMain serves it on --metrics-port (here on loopback only).
        var statusCache =
                new dev.lustrecsi.provisioner.web.ClusterCache(cluster.client(), LocalCluster.NAMESPACE).start();
        OperatorHttpServer statusPage = OperatorHttpServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new PrometheusRegistry(),
                new StatusPage(() -> dev.lustrecsi.provisioner.web.ClusterView.read(statusCache)),
                cluster::operatorRunning);
        System.out.printf(
                "  the operator's status page: http://127.0.0.1:%d/ (filesystems, servers, targets, claims)%n%n",
                statusPage.port());
        boolean ok = false;
        try {
            new LocalDemo(cluster, stepByStep).play();
            ok = true;
            if (keep) {
                keepRunning(cluster, statusPage.port());
            }
        } finally {
            statusPage.close();
            statusCache.close();
            cluster.close();
            if (ok) {
                deleteTree(home);
            }
            if (!ok) {
                System.out.println("Stopped after a failure; logs in " + home.resolve("logs"));
            } else {
                sayStopped();
            }
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean STOPPED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Once: with --keep both the shutdown hook and main() get here. */
    private static void sayStopped() {
        if (STOPPED.compareAndSet(false, true)) {
            System.out.println("Stopped; everything unmounted and removed.");
        }
    }

    /** Printed first: what in this demo is the product and what stands in for what a laptop cannot run. */
    static final String WHAT_IS_REAL = """
            What is real here and what stands in for what:
              real      the CSI controller and node plugin (their own main(), as child JVMs), gRPC over Unix
                        sockets, the operator's reconciler, the controller's capacity planner and volume records,
                        real mount(2)/umount2(2) calls in a private mount namespace (invisible to the host)
              stand-in  Kubernetes API server: fabric8's mock server in CRUD mode (no admission, no RBAC,
                        no PV controller); external-provisioner and the PV binder: a harness that makes the
                        same CreateVolume/DeleteVolume calls and writes PVs and claims back
              stand-in  Lustre servers: the KubeVirt simulator "boots" VMs instantly and stand-in
                        mount.lustre/lfs/lctl/lnetctl tools (real names and syntax) keep each filesystem in a
                        tmpfs; no Lustre kernel module is loaded
              stand-in  kubelet and pods: a harness calls NodeStage/NodePublish; a "pod" is a directory that
                        the volume is bind-mounted into
            PV names are pvc-<claim uid>, as external-provisioner names them (the mock hands out sequential uids).
            """;

    /** As {@link #WHAT_IS_REAL}, where the real control plane's binaries are installed. */
    static final String WHAT_IS_REAL_ON_A_REAL_CONTROL_PLANE = """
            What is real here and what stands in for what:
              real      Kubernetes: kube-apiserver, etcd and kube-controller-manager (PV binder, garbage
                        collector) on loopback, with RBAC; the chart's CRDs, RBAC and CSIDriver applied to it;
                        KubeVirt's own CRDs; the real external-provisioner and external-resizer sidecars
              real      the CSI controller and node plugin (their own main(), as child JVMs, each under its chart
                        ServiceAccount), gRPC over Unix sockets, the operator's reconciler, real mount(2)/umount2(2)
                        calls in a private mount namespace (invisible to the host)
              stand-in  Lustre servers: the KubeVirt simulator plays virt-controller and virt-handler ("boots" VMs
                        instantly) and stand-in mount.lustre/lfs/lctl/lnetctl tools (real names and syntax) keep
                        each filesystem in a tmpfs; no Lustre kernel module is loaded
              stand-in  kubelet and pods: a harness registers the node (Node, CSINode) and calls
                        NodeStage/NodePublish; a "pod" is a directory that the volume is bind-mounted into
            """;

    void play() throws IOException {
        step(
                "apply a StorageClass and two 100Gi PVCs; the provisioner calls CreateVolume over the CSI socket",
                "CreateVolume over the controller's Unix socket; the controller writes the pool LustreFileSystem and"
                        + " its ledger to the API server; the operator turns the pool into VirtualMachines",
                "the provisioner harness (for external-provisioner) and instant VM boots (for KubeVirt)",
                () -> {
                    StorageClass sc = cluster.applyStorageClass(Map.of());
                    System.out.println("  the StorageClass applied:");
                    // As the admin wrote it: without the fields the API server added, parameters in order.
                    StorageClass applied = new StorageClassBuilder(sc)
                            .withNewMetadata()
                            .withName(sc.getMetadata().getName())
                            .endMetadata()
                            .withParameters(new TreeMap<>(sc.getParameters()))
                            .build();
                    System.out.print(
                            indent(cluster.client().getKubernetesSerialization().asYaml(applied), "    "));
                    createClaims("data-a", "data-b");
                    awaitBound("data-a", "data-b");
                    LustreFileSystem fs = cluster.pool();
                    Map<String, String> p = sc.getParameters();
                    System.out.printf(
                            "  sizing: the claims ask for 2 x 100Gi; the pool keeps headroomPercent=%s%% on top, so it"
                                    + " needs %dGi, in whole OSTs of ostSize=%s: spec.ostCount=%d%n",
                            p.get("headroomPercent"),
                            200 * (100 + Integer.parseInt(p.get("headroomPercent"))) / 100,
                            p.get("ostSize"),
                            fs.getSpec().getOstCount());
                    System.out.println(
                            "  servers: " + LocalCluster.POOL + "-mds0 runs the MGS and the MDT (one VM; the MGS"
                                    + " shares the MDS VM unless spec.mgs asks for its own), each " + LocalCluster.POOL
                                    + "-ossN serves "
                                    + (fs.getSpec().getOstsPerOss() == null
                                            ? 1
                                            : fs.getSpec().getOstsPerOss())
                                    + " OST(s)");
                });

        PersistentVolume pv = provisioner.volumeOf(APP_NAMESPACE, "data-a").orElseThrow();
        step(
                "stage data-a on the node and publish it into two pods; write in one, read in the other",
                "NodeStageVolume/NodePublishVolume over the node plugin's socket; mount -t lustre (stand-in"
                        + " mount.lustre) and bind mounts with real mount(2) in this private namespace",
                "the kubelet harness makes the calls; the two \"pods\" are directories under the kubelet dir",
                () -> {
                    Path writer = kubelet.startPod(pv, "pod-writer");
                    Path reader = kubelet.startPod(pv, "pod-reader");
                    Path written = writer.resolve("results.txt");
                    Files.writeString(written, "written by pod-writer at " + java.time.Instant.now() + "\n");
                    String read = Files.readString(reader.resolve("results.txt"));
                    System.out.println("  pod-writer wrote " + written);
                    System.out.println("  pod-reader read  " + reader.resolve("results.txt") + ": " + read.strip());
                    System.out.println("  mounts: " + mountsBelow(cluster.kubeletDir()));
                });

        step(
                "a burst of 6 more PVCs: the controller raises the pool's OST count, the operator scales out",
                "the controller's capacity planner raises spec.ostCount; the operator adds OSS VMs and registers"
                        + " their OSTs",
                "the new VMs boot instantly in the simulator; mkfs.lustre and the OST mounts are stand-ins",
                () -> {
                    List<String> burst = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        burst.add("burst-" + i);
                    }
                    createClaims(burst.toArray(String[]::new));
                    awaitBound(burst.toArray(String[]::new));
                    int wanted = cluster.pool().getSpec().getOstCount();
                    System.out.println("  pool spec: " + wanted + " OSTs; waiting for the operator to bring them up");
                    awaitPool(fs -> settled(fs, wanted));
                });

        step(
                "kill an OSS VM: KubeVirt restarts it, the operator reports Degraded and then Ready again",
                "the operator notices the failed VMI, marks the pool Degraded and its targets, then Ready again",
                "the simulator fails the VMI and restarts it (the crash is a status change, not a dead process)",
                () -> {
                    List<String> oss = cluster.ossVms();
                    String victim = oss.get(oss.size() - 1);
                    int bootsBefore = cluster.kubevirt().boots(victim);
                    cluster.kubevirt().failVmi(victim);
                    await().atMost(STEP_BOUND)
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> !vmReady(victim) || cluster.kubevirt().boots(victim) > bootsBefore);
                    System.out.println("  " + victim + " crashed; right after the crash:");
                    System.out.print(view.render(provisioner.lastErrors()));
                    await().atMost(STEP_BOUND)
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> cluster.kubevirt().boots(victim) > bootsBefore);
                    int osts = cluster.pool().getSpec().getOstCount();
                    awaitPool(fs -> settled(fs, osts));
                    System.out.println("  " + victim + " booted again (boot "
                            + cluster.kubevirt().boots(victim)
                            + "); data-a still reads: "
                            + Files.readString(
                                            kubelet.targetPath(pv, "pod-reader").resolve("results.txt"))
                                    .strip());
                });

        step(
                "stop the pods and delete every PVC: DeleteVolume per PV, the pool drains OSTs and scales in",
                "NodeUnpublish/NodeUnstage (real umount2), DeleteVolume over the socket, the controller lowers"
                        + " spec.ostCount and the operator drains OSTs before removing OSS VMs",
                "the provisioner and kubelet harnesses; the drain's lctl/lfs commands inside the server VMs are"
                        + " answered by a simulator of the servers",
                () -> {
                    kubelet.stopPod(pv, "pod-writer");
                    kubelet.stopPod(pv, "pod-reader");
                    kubelet.unstage(pv);
                    cluster.client()
                            .persistentVolumeClaims()
                            .inNamespace(APP_NAMESPACE)
                            .delete();
                    List<Phase> phases = new ArrayList<>();
                    await().atMost(STEP_BOUND)
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> {
                                provisioner.sync();
                                Phase p = cluster.pool().getStatus().getPhase();
                                if (phases.isEmpty() || phases.get(phases.size() - 1) != p) {
                                    phases.add(p);
                                }
                                return cluster.client()
                                        .persistentVolumes()
                                        .list()
                                        .getItems()
                                        .isEmpty();
                            });
                    System.out.println("  every PV deleted; pool phases meanwhile: " + phases);
                    int osts = cluster.pool().getSpec().getOstCount();
                    System.out.println(
                            "  pool spec: " + osts + " OSTs; waiting for the operator to drain and remove the rest");
                    awaitPool(fs -> settled(fs, osts));
                    System.out.println("  mounts left under the kubelet dir: "
                            + mountsBelow(cluster.kubeletDir()).size());
                });
        System.out.println("All steps done.");
    }

    private boolean vmReady(String vm) {
        VirtualMachine v = cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withName(vm)
                .get();
        return v != null
                && v.getStatus() != null
                && Boolean.TRUE.equals(v.getStatus().getReady());
    }

    private static String indent(String text, String prefix) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.equals("---")) {
                out.append(prefix).append(line).append('\n');
            }
        }
        return out.toString();
    }

    private interface Step {
        void run() throws IOException;
    }

    private void step(String title, String real, String standIn, Step body) throws IOException {
        step++;
        if (stepByStep) {
            System.out.print("[Enter] for step " + step + ": " + title + " ");
            System.out.flush();
            stdin.readLine();
        }
        System.out.println("== step " + step + ": " + title);
        System.out.println("   real:     " + real);
        System.out.println("   stand-in: " + standIn);
        long t0 = System.nanoTime();
        body.run();
        System.out.printf("-- step %d took %d ms%n", step, millisSince(t0));
        System.out.print(view.render(provisioner.lastErrors()));
    }

    private void createClaims(String... names) {
        cluster.ensureNamespace(APP_NAMESPACE);
        for (String name : names) {
            PersistentVolumeClaim pvc =
                    ExternalProvisioner.claim(APP_NAMESPACE, name, "100Gi", LocalCluster.STORAGE_CLASS);
            cluster.client()
                    .persistentVolumeClaims()
                    .inNamespace(APP_NAMESPACE)
                    .resource(pvc)
                    .create();
        }
    }

    private void awaitBound(String... names) {
        long t0 = System.nanoTime();
        await().atMost(STEP_BOUND).pollInterval(Duration.ofMillis(100)).until(() -> {
            provisioner.sync();
            if (provisioner.errorCodes().contains(io.grpc.Status.Code.INVALID_ARGUMENT)) {
                // A final answer: retrying cannot help, so say why instead of waiting.
                throw new IllegalStateException("CreateVolume refused: " + provisioner.lastErrors());
            }
            for (String n : names) {
                if (provisioner.volumeOf(APP_NAMESPACE, n).isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        System.out.printf("  %d PVC(s) bound in %d ms%n", names.length, millisSince(t0));
    }

    private void awaitPool(Predicate<LustreFileSystem> condition) {
        long t0 = System.nanoTime();
        List<Phase> seen = new ArrayList<>();
        await().atMost(STEP_BOUND).pollInterval(Duration.ofMillis(50)).until(() -> {
            LustreFileSystem fs = cluster.pool();
            Phase p = fs.getStatus() == null ? null : fs.getStatus().getPhase();
            if (p != null && (seen.isEmpty() || seen.get(seen.size() - 1) != p)) {
                seen.add(p);
            }
            return condition.test(fs);
        });
        System.out.printf("  pool phases: %s; settled in %d ms%n", seen, millisSince(t0));
    }

    static boolean settled(LustreFileSystem fs, int osts) {
        return fs != null
                && fs.getStatus() != null
                && fs.getStatus().getPhase() == Phase.Ready
                && Integer.valueOf(osts).equals(fs.getStatus().getActiveOsts())
                && Integer.valueOf(osts).equals(fs.getStatus().getReadyOsts());
    }

    private static List<String> mountsBelow(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (Path.of(f[4]).startsWith(dir)) {
                out.add(dir.relativize(Path.of(f[4])).toString());
            }
        }
        return out;
    }

    private static void keepRunning(LocalCluster cluster, int statusPort) throws InterruptedException {
        ScheduledExecutorService sidecar = Executors.newSingleThreadScheduledExecutor();
        if (cluster.realControlPlane()) {
            System.out.printf("""

                    Still running (--keep), on a real kube-apiserver (%s). In another shell:
                      export KUBECONFIG=%s
                      kubectl get pv,pvc -A
                      kubectl get lustrefilesystems,virtualmachines -n %s
                      kubectl create namespace lab
                      kubectl apply -n lab -f examples/storageclass-shared.yaml -f examples/pvc-rwx-two-pods.yaml
                      kubectl get pvc -n lab -w        # bound by the real external-provisioner and PV controller
                      kubectl describe pvc -n lab shared-data
                      kubectl get events -n lab
                    (Pods apply but never run: there is no kubelet or scheduler; the harness plays kubelet for the
                    demo's own story only.)
                    """, cluster.apiUrl(), cluster.kubeconfig(), LocalCluster.NAMESPACE);
        } else {
            ExternalProvisioner provisioner = new ExternalProvisioner(cluster.client(), cluster::controllerStub);
            sidecar.scheduleWithFixedDelay(
                    () -> {
                        try {
                            provisioner.sync();
                        } catch (RuntimeException e) {
                            System.err.println("provisioner: " + e.getMessage());
                        }
                    },
                    0,
                    500,
                    TimeUnit.MILLISECONDS);
            System.out.printf("""

                    Still running (--keep). In another shell:
                      export KUBECONFIG=%s
                      kubectl get pv,pvc -A
                      kubectl get lustrefilesystems,virtualmachines -n %s -o yaml
                      echo '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lab"}}' \\
                        | kubectl create --validate=false -f -
                      kubectl create --validate=false -n lab -f - <<'PVC'   # bound within a second
                      {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"notebook"},
                       "spec":{"accessModes":["ReadWriteMany"],"storageClassName":"%s",
                               "resources":{"requests":{"storage":"50Gi"}}}}
                      PVC
                      kubectl get pvc -n lab \\
                        -o custom-columns=NAME:.metadata.name,STATUS:.status.phase,VOLUME:.spec.volumeName
                    (The local API server is fabric8's mock: kubectl shows NAME and AGE columns; -o yaml or
                    custom-columns show the rest. There is no OpenAPI document, hence --validate=false. Not
                    working against it: kubectl create namespace (hangs), kubectl describe, Pods.)
                    A claim the controller refuses shows why in its Events (kubectl get events -n lab), as with
                    external-provisioner; retries back off from 1 s, doubling up to 5 min.
                    """, cluster.kubeconfig(), LocalCluster.NAMESPACE, LocalCluster.STORAGE_CLASS);
        }
        System.out.printf(
                """
                The CSI sockets: unix://%s (controller), unix://%s (node). Logs: %s
                The operator's status page: http://127.0.0.1:%d/
                Press Ctrl-C to stop and clean up.
                """,
                cluster.home().resolve("controller/csi.sock"),
                cluster.home().resolve("node/csi.sock"),
                cluster.home().resolve("logs"),
                statusPort);
        awaitStop(cluster, sidecar);
    }

    private static void awaitStop(LocalCluster cluster, ScheduledExecutorService sidecar) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sidecar.shutdownNow();
            cluster.close();
            try {
                deleteTree(cluster.home());
            } catch (IOException e) {
                System.err.println("could not remove " + cluster.home() + ": " + e.getMessage());
            }
            sayStopped();
            stop.countDown();
        }));
        stop.await();
    }

    /**
     * Removes {@code dir}; a tree already (partly) gone is fine: with --keep the shutdown hook removes the home
     * while main() unwinds to do the same.
     */
    static synchronized void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException | UncheckedIOException e) {
            // Files.walk reports an entry that vanished meanwhile as UncheckedIOException(NoSuchFileException).
            if (e instanceof UncheckedIOException u && !(u.getCause() instanceof NoSuchFileException)) {
                throw u;
            }
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
