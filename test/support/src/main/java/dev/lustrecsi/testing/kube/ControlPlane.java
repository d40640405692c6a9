package dev.lustrecsi.testing.kube;

import io.fabric8.kubernetes.api.model.AuthInfoBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback, for tests and the local demo: etcd, kube-apiserver and
 * kube-controller-manager started from the binaries in {@link #assets()} (envtest's convention: an env var,
 * {@value #ASSETS_ENV}, names the folder, like envtest's {@code KUBEBUILDER_ASSETS}; default
 * {@code <repo>/.tools/k8s}, filled by {@code bin/install-test-tools}).
 *
 * <p>Configured as a real cluster is in the parts that matter to the driver: RBAC and Node authorization;
 * admission with {@code OwnerReferencesPermissionEnforcement} (so {@code blockOwnerDeletion} needs the
 * {@code finalizers} grant), {@code PodSecurity} and {@code NodeRestriction}; {@code --allow-privileged};
 * ServiceAccount tokens signed by the control plane's own key; an audit log of every request
 * ({@link #auditLog()}). The controller manager runs the PV binder and expander, the PV and PVC protection
 * controllers, the garbage collector, the namespace controller and the ServiceAccount controllers, each under its
 * own identity
 * ({@code --use-service-account-credentials}). Everything lives in one throwaway folder (a PKI made with
 * openssl, etcd's data, logs) that {@link #close()} removes after killing the process trees.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    /** Names the folder with the binaries (kube-apiserver, kube-controller-manager, etcd, ...). */
    public static final String ASSETS_ENV = "LUSTRE_CSI_K8S_ASSETS";
    /** Set (to anything) to keep the control plane's folder (logs, audit log) after close. */
    public static final String KEEP_ENV = "LUSTRE_CSI_K8S_KEEP";

    static final List<String> BINARIES = List.of("etcd", "kube-apiserver", "kube-controller-manager");
    /** The controllers the driver relies on, by their kube-controller-manager names. */
    static final List<String> CONTROLLERS = List.of(
            "persistentvolume-binder-controller", "persistentvolume-expander-controller",
            // Admission (StorageObjectInUseProtection) puts these finalizers on; without them no claim goes.
            "persistentvolumeclaim-protection-controller", "persistentvolume-protection-controller",
            "garbage-collector-controller", "namespace-controller",
            "serviceaccount-controller", "serviceaccount-token-controller");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final Path assets;
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook;
    private int apiPort;
    private Pki pki;
    private KubernetesClient admin;
    private Duration startup;
    private volatile boolean closed;

    private ControlPlane(Path assets, Path dir) {
        this.assets = assets;
        this.dir = dir;
        this.shutdownHook = new Thread(this::stopProcessesQuietly, "control-plane-shutdown");
    }

    /** The folder holding the binaries: {@value #ASSETS_ENV}, else {@code <repo>/.tools/k8s}. */
    public static Path assets() {
        String env = System.getenv(ASSETS_ENV);
        if (env != null && !env.isBlank()) {
            return Paths.get(env).toAbsolutePath();
        }
        String root = System.getProperty("repo.root");
        if (root != null) {
            return Paths.get(root, ".tools", "k8s").toAbsolutePath().normalize();
        }
        // From a module folder or the repository root: the nearest ancestor that has .tools/k8s.
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(".tools/k8s"))) {
                return p.resolve(".tools/k8s");
            }
        }
        return Paths.get(".tools", "k8s").toAbsolutePath();
    }

    /** Why the control plane cannot run here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        Path assets = assets();
        List<String> missing = BINARIES.stream()
                .filter(b -> !Files.isExecutable(assets.resolve(b)))
                .toList();
        if (!missing.isEmpty()) {
            return Optional.of("no real Kubernetes control plane: " + String.join(", ", missing) + " not found in "
                    + assets + " (run bin/install-test-tools with ../shared/tools present, or set " + ASSETS_ENV + ")");
        }
        for (String tool : List.of("openssl")) {
            if (Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                    .noneMatch(d -> Files.isExecutable(Paths.get(d, tool)))) {
                return Optional.of(
                        "no real Kubernetes control plane: '" + tool + "' is not on the PATH (it makes the PKI)");
            }
        }
        return Optional.empty();
    }

    /** Starts etcd, kube-apiserver and kube-controller-manager and waits until the API server is ready. */
    public static ControlPlane start() {
        unavailableReason().ifPresent(r -> {
            throw new IllegalStateException(r);
        });
        Path assets = assets();
        // Free ports are chosen then released, so another process may take one first: start again then.
        RuntimeException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path dir;
            try {
                dir = Files.createTempDirectory("lustre-csi-k8s-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ControlPlane cp = new ControlPlane(assets, dir);
            try {
                cp.boot();
                return cp;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("control plane start {} failed: {}", attempt, e.getMessage());
                cp.close();
            }
        }
        throw last;
    }

    private void boot() {
        long t0 = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            pki = Pki.create(dir.resolve("pki"));
            int etcdClient = freePort();
            int etcdPeer = freePort();
            apiPort = freePort();

            String etcdUrl = "http://" + HOST + ":" + etcdClient;
            String peerUrl = "http://" + HOST + ":" + etcdPeer;
            Process etcd = launch(
                    "etcd",
                    List.of(
                            "--name",
                            "default",
                            "--data-dir",
                            dir.resolve("etcd").toString(),
                            "--listen-client-urls",
                            etcdUrl,
                            "--advertise-client-urls",
                            etcdUrl,
                            "--listen-peer-urls",
                            peerUrl,
                            "--initial-advertise-peer-urls",
                            peerUrl,
                            "--initial-cluster",
                            "default=" + peerUrl,
                            // Throwaway data on a shared, loaded test machine: durability buys nothing here.
                            "--unsafe-no-fsync"));

            Path audit = writeAuditPolicy();
            launch(
                    "kube-apiserver",
                    List.of(
                            "--etcd-servers",
                            etcdUrl,
                            "--bind-address",
                            HOST,
                            "--advertise-address",
                            HOST,
                            "--secure-port",
                            Integer.toString(apiPort),
                            "--cert-dir",
                            dir.resolve("apiserver-certs").toString(),
                            "--tls-cert-file",
                            pki.server().cert().toString(),
                            "--tls-private-key-file",
                            pki.server().key().toString(),
                            "--client-ca-file",
                            pki.ca().cert().toString(),
                            "--authorization-mode",
                            "Node,RBAC",
                            "--enable-admission-plugins",
                            "NamespaceLifecycle,ServiceAccount,NodeRestriction,PodSecurity,"
                                    + "OwnerReferencesPermissionEnforcement,DefaultStorageClass,"
                                    + "StorageObjectInUseProtection,PersistentVolumeClaimResize,ResourceQuota,LimitRanger",
                            "--allow-privileged=true",
                            "--service-account-issuer",
                            "https://kubernetes.default.svc",
                            "--service-account-key-file",
                            pki.serviceAccount().cert().toString(),
                            "--service-account-signing-key-file",
                            pki.serviceAccount().key().toString(),
                            "--service-cluster-ip-range",
                            "10.96.0.0/24",
                            // A loopback address may not be an Endpoints address: no "kubernetes" Service endpoints.
                            "--endpoint-reconciler-type",
                            "none",
                            "--audit-policy-file",
                            audit.toString(),
                            "--audit-log-path",
                            auditLog().toString(),
                            "--audit-log-format",
                            "json"));

            waitReady(etcd);

            Path kcmConfig = pki.writeKubeconfig(
                    dir.resolve("kube-controller-manager.kubeconfig"), serverUrl(), pki.controllerManager());
            launch(
                    "kube-controller-manager",
                    List.of(
                            "--kubeconfig",
                            kcmConfig.toString(),
                            "--authentication-kubeconfig",
                            kcmConfig.toString(),
                            "--authorization-kubeconfig",
                            kcmConfig.toString(),
                            "--use-service-account-credentials",
                            "--service-account-private-key-file",
                            pki.serviceAccount().key().toString(),
                            "--root-ca-file",
                            pki.ca().cert().toString(),
                            "--cluster-signing-cert-file",
                            pki.ca().cert().toString(),
                            "--cluster-signing-key-file",
                            pki.ca().key().toString(),
                            "--bind-address",
                            HOST,
                            "--secure-port",
                            "0",
                            "--leader-elect=false",
                            "--controllers",
                            String.join(",", CONTROLLERS)));
            // The ServiceAccount controller's first act: namespace default gets its ServiceAccount.
            waitUntil(
                    Duration.ofSeconds(60),
                    "the ServiceAccount controller made default/default",
                    () -> admin.serviceAccounts()
                                    .inNamespace("default")
                                    .withName("default")
                                    .get()
                            != null);
            pki.writeKubeconfig(kubeconfig(), serverUrl(), pki.admin());
            startup = Duration.ofNanos(System.nanoTime() - t0);
            LOG.info("control plane ready at {} in {} ms ({})", serverUrl(), startup.toMillis(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path writeAuditPolicy() throws IOException {
        // Metadata of every request from anyone but the control plane's own health probes: enough to
        // see who did which verb on which resource (the least-privilege test reads it).
        return Files.writeString(dir.resolve("audit-policy.yaml"), """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                omitStages: ["RequestReceived"]
                rules:
                - level: None
                  nonResourceURLs: ["/readyz*", "/healthz*", "/livez*"]
                - level: Metadata
                """);
    }

    private void waitReady(Process etcd) {
        admin = new KubernetesClientBuilder().withConfig(adminConfig()).build();
        waitUntil(READY_TIMEOUT, "kube-apiserver /readyz answers ok", () -> {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(p.info().command().orElse("a control-plane process")
                            + " exited with " + p.exitValue() + "; see the logs in " + dir);
                }
            }
            HttpResponse<String> r = admin.getHttpClient()
                    .sendAsync(
                            admin.getHttpClient()
                                    .newHttpRequestBuilder()
                                    .uri(serverUrl() + "/readyz")
                                    .build(),
                            String.class)
                    .get(10, TimeUnit.SECONDS);
            return r.code() == 200;
        });
    }

    @FunctionalInterface
    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitUntil(Duration timeout, String what, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                lastError = e;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting until " + what, e);
            }
        }
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting until " + what
                + (lastError == null ? "" : " (last error: " + lastError + ")"));
    }

    private Process launch(String binary, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(assets.resolve(binary).toString());
        command.addAll(args);
        Path log = dir.resolve(binary + ".log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        processes.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** https://127.0.0.1:port */
    public String serverUrl() {
        return "https://" + HOST + ":" + apiPort;
    }

    /** Cluster-admin (system:masters) by client certificate. */
    public Config adminConfig() {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(serverUrl())
                .withCaCertFile(pki.ca().cert().toString())
                .withClientCertFile(pki.admin().cert().toString())
                .withClientKeyFile(pki.admin().key().toString())
                .withRequestTimeout(30_000)
                .build();
    }

    /** A shared cluster-admin client, closed with the control plane. */
    public KubernetesClient adminClient() {
        return admin;
    }

    /** A kubeconfig file for cluster-admin ({@code kubectl --kubeconfig}). */
    public Path kubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    /** The CA that signed the API server's serving certificate. */
    public Path caCertificate() {
        return pki.ca().cert();
    }

    /** The audit log (JSON lines, level Metadata): who called which verb on what. */
    public Path auditLog() {
        return dir.resolve("audit.log");
    }

    /** The control plane's folder (PKI, logs of each process, etcd data). */
    public Path directory() {
        return dir;
    }

    /** How long {@link #start()} took until the API server was ready and the controllers ran. */
    public Duration startupTime() {
        return startup;
    }

    /** A token for a ServiceAccount from the TokenRequest API (as kubelet mounts one into a pod). */
    public String token(String namespace, String serviceAccount) {
        TokenRequest request = new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(24 * 3600L)
                .endSpec()
                .build();
        return admin.serviceAccounts()
                .inNamespace(namespace)
                .withName(serviceAccount)
                .tokenRequest(request)
                .getStatus()
                .getToken();
    }

    /** A client that is the ServiceAccount: it can do exactly what RBAC grants it. */
    public KubernetesClient clientFor(String namespace, String serviceAccount) {
        return new KubernetesClientBuilder()
                .withConfig(configFor(namespace, serviceAccount))
                .build();
    }

    /** The fabric8 configuration of {@link #clientFor}. */
    public Config configFor(String namespace, String serviceAccount) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(serverUrl())
                .withCaCertFile(pki.ca().cert().toString())
                .withOauthToken(token(namespace, serviceAccount))
                .withNamespace(namespace)
                .withRequestTimeout(30_000)
                .build();
    }

    /** A kubeconfig file that is the ServiceAccount (for a sidecar's {@code --kubeconfig}). */
    public Path writeKubeconfig(Path file, String namespace, String serviceAccount) {
        return pki.writeKubeconfig(
                file,
                serverUrl(),
                serviceAccount,
                new AuthInfoBuilder()
                        .withToken(token(namespace, serviceAccount))
                        .build(),
                namespace);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
        }
        stopProcessesQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs anyway.
        }
        if (System.getenv(KEEP_ENV) != null) {
            LOG.warn("control plane folder kept: {}", dir);
        } else {
            deleteTree(dir);
        }
    }

    /** Controller manager first, etcd last; each with its children, politely then forcibly. */
    private void stopProcessesQuietly() {
        List<Process> reversed = new ArrayList<>(processes);
        java.util.Collections.reverse(reversed);
        for (Process p : reversed) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.toString());
        }
    }

    /** Runs a control plane until interrupted (Ctrl-C), printing the admin kubeconfig's path. */
    public static void main(String[] args) throws InterruptedException {
        Optional<String> reason = unavailableReason();
        if (reason.isPresent()) {
            System.err.println(reason.get());
            System.exit(2);
        }
        ControlPlane cp = start();
        System.out.printf(
                "kube-apiserver %s ready in %d ms%nexport KUBECONFIG=%s%n",
                cp.serverUrl(), cp.startupTime().toMillis(), cp.kubeconfig());
        Runtime.getRuntime().addShutdownHook(new Thread(cp::close));
        Thread.currentThread().join();
    }
}
