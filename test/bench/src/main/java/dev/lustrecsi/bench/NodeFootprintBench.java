package dev.lustrecsi.bench;

import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.lustre.testing.SysfsFixture;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node plugin's footprint: the real csi-node runnable jar started as a child process, as its container starts
 * it (metrics port on; Kubernetes API access configured as in a cluster — KUBERNETES_SERVICE_HOST/PORT, fabric8's
 * in-cluster path, over TLS to the mock API server — not through a kubeconfig, whose parsing makes fabric8 load
 * every model class it knows, which a plugin in a cluster never does), with the stand-in Lustre tools so that Probe
 * can become ready. Measures the time from spawning the process to Probe answering ready, and the resident set
 * size once it has answered Probe and NodeGetInfo and sat idle. Several JVM flag sets are compared, each adding to
 * the one before: the image's previous flags, the tuned flags the image now uses, and those with an AppCDS archive
 * trained by the image's own script (deploy/docker/node-cds-training.sh). The image's configuration is then run
 * once more under Native Memory Tracking to say where its resident memory goes.
 */
final class NodeFootprintBench {
    static final String NAME = "node-footprint";
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    /** Serial GC and a small heap: the first step from the JDK's defaults. */
    static final List<String> HEAP = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn4m");

    /**
     * The flags the image sets (deploy/docker/node.Dockerfile JDK_JAVA_OPTIONS) and the chart passes
     * (values.yaml node.jvmOptions); NodeFootprintFlagsTest keeps the three in step. Serial GC with an 8 MiB initial
     * heap and 2 MiB young generation, grown and shrunk to keep 10-20 % free (so the heap stays near its live size),
     * C1 only with a small code cache and one compiler thread, smaller thread stacks, no hsperfdata file.
     */
    static final List<String> TUNED = List.of(
            "-XX:+UseSerialGC",
            "-Xms8m",
            "-Xmx128m",
            "-Xmn2m",
            "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=20",
            "-Xss512k",
            "-XX:TieredStopAtLevel=1",
            "-XX:ReservedCodeCacheSize=16m",
            "-XX:CICompilerCount=1",
            "-XX:-UsePerfData");

    /** TUNED as it was before the heap was made smaller and kept near its live size (step 3 of the table). */
    static final List<String> TUNED_16M = List.of(
            "-XX:+UseSerialGC",
            "-Xms16m",
            "-Xmx128m",
            "-Xmn4m",
            "-Xss512k",
            "-XX:TieredStopAtLevel=1",
            "-XX:ReservedCodeCacheSize=16m",
            "-XX:CICompilerCount=1",
            "-XX:-UsePerfData");

    private static final List<String> BEFORE = List.of("-XX:MaxRAMPercentage=75");

    private final Path jar;
    private final int runs;

    NodeFootprintBench(Path jar, int runs) {
        this.jar = jar;
        this.runs = runs;
    }

    /** How a variant's AppCDS archive is made. */
    private enum Training {
        /** No archive: the JDK's own base archive only. */
        NONE,
        /** deploy/docker/node-cds-training.sh, as the image build runs it (API client configured, unreachable). */
        IMAGE_SCRIPT,
        /** The previous image's training: the plugin with --kubernetes-api=off, so no client classes archived. */
        API_OFF
    }

    private record Variant(
            String name, Path java, List<String> flags, Training training, boolean apiOff, boolean attribute) {
        Variant(String name, Path java, List<String> flags, Training training) {
            this(name, java, flags, training, false, false);
        }
    }

    /** The image's CDS training script, from the source tree (the benchmark runs in test/bench). */
    static final Path TRAINING_SCRIPT = Path.of("../../deploy/docker/node-cds-training.sh");

    void run(Path workDir, ResultTable table) throws Exception {
        Path tools = workDir.resolve("tools");
        Path state = workDir.resolve("state");
        installTools(tools, state);
        new SysfsFixture(workDir.resolve("sys")).netInterface("eth7");
        Files.createDirectories(workDir.resolve("kubelet/pods"));
        Files.createDirectories(workDir.resolve("kubelet/plugins"));

        // Each step adds to the one before, so the table shows what each buys (csi-node/README.md).
        List<Variant> variants = new ArrayList<>();
        Path jdk = Path.of(System.getProperty("java.home"), "bin", "java");
        String jdkName = "JDK " + Runtime.version().feature();
        variants.add(new Variant(
                jdkName + ", 1 previous image flags (G1, MaxRAMPercentage=75)", jdk, BEFORE, Training.NONE));
        variants.add(new Variant(jdkName + ", 2 Serial GC, 16-128 MiB heap, 4 MiB young", jdk, HEAP, Training.NONE));
        variants.add(new Variant(
                jdkName + ", 3 + C1 only, 16 MiB code cache, 512 KiB stacks, no perf data",
                jdk,
                TUNED_16M,
                Training.NONE));
        variants.add(new Variant(
                jdkName + ", 3b + AppCDS archive trained without the API client (previous image)",
                jdk,
                TUNED_16M,
                Training.API_OFF));
        variants.add(new Variant(
                jdkName + ", 3c + archive trained by the image's script (API client configured)",
                jdk,
                TUNED_16M,
                Training.IMAGE_SCRIPT));
        variants.add(new Variant(
                jdkName + ", 4 + 8 MiB initial heap, 2 MiB young, 10-20 % free (the image's flags and archive)",
                jdk,
                TUNED,
                Training.IMAGE_SCRIPT,
                false,
                true));
        variants.add(new Variant(
                jdkName + ", 5 as 4, --kubernetes-api=off", jdk, TUNED, Training.IMAGE_SCRIPT, true, false));
        if (Files.isExecutable(JDK25) && Runtime.version().feature() != 25) {
            List<String> native25 = List.of("--enable-native-access=ALL-UNNAMED");
            variants.add(new Variant(
                    "JDK 25 (the other images' runtime; the node image's until 2026-12-06), as 4",
                    JDK25,
                    concat(native25, TUNED),
                    Training.IMAGE_SCRIPT,
                    false,
                    true));
        }

        // The API server over TLS, reached as a pod reaches it: fabric8's in-cluster configuration from
        // KUBERNETES_SERVICE_HOST/PORT (no service-account files here, so no token and no CA file: the mock
        // neither checks one nor has a CA to give, hence trust-all), never a kubeconfig.
        KubernetesMockServer api = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), true);
        api.init();
        try (KubernetesClient client = api.createClient()) {
            try {
                client.nodes()
                        .resource(new NodeBuilder()
                                .withNewMetadata()
                                .withName("bench-node")
                                .endMetadata()
                                .build())
                        .create();
            } catch (KubernetesClientException e) {
                // A retried POST whose first attempt was answered too late for the client (a loaded machine).
                if (e.getCode() != 409) {
                    throw e;
                }
            }
            Map<String, String> env = new HashMap<>();
            env.put("KUBECONFIG", null);
            env.put("KUBERNETES_SERVICE_HOST", api.getHostName());
            env.put("KUBERNETES_SERVICE_PORT", Integer.toString(api.getPort()));
            env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
            env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            for (Variant v : variants) {
                List<String> flags = new ArrayList<>(v.flags());
                if (v.training() != Training.NONE) {
                    Path archive = workDir.resolve("node-" + Math.abs(v.name().hashCode()) + ".jsa");
                    if (v.training() == Training.IMAGE_SCRIPT) {
                        trainWithImageScript(v.java(), v.flags(), archive, workDir);
                    } else {
                        List<String> training = new ArrayList<>(flags);
                        training.add("-XX:ArchiveClassesAtExit=" + archive);
                        once(v.java(), training, true, workDir, state, env, 500, null);
                    }
                    if (!Files.exists(archive)) {
                        table.add(Figure.skipped(NAME, v.name() + ": the training run wrote no archive"));
                        continue;
                    }
                    flags.add("-XX:SharedArchiveFile=" + archive);
                }
                Samples ready = new Samples();
                Samples cpu = new Samples();
                Samples rss = new Samples();
                for (int i = 0; i < runs; i++) {
                    double[] r = once(v.java(), flags, v.apiOff(), workDir, state, env, runs == 1 ? 1000 : 3000, null);
                    ready.add(r[0]);
                    rss.add(r[1]);
                    cpu.add(r[2]);
                }
                String flagText = String.join(" ", flags).replace(workDir.toString(), "<dir>");
                table.add(Figure.of(
                        NAME,
                        "start to Probe ready, ms (" + v.name() + ")",
                        ready,
                        "<= 1000 ms (median)",
                        ready.median() <= 1000,
                        "flags: " + flagText + (v.apiOff() ? " (plugin: --kubernetes-api=off)" : "")));
                table.add(Figure.of(
                        NAME,
                        "CPU time to Probe ready, ms (" + v.name() + ")",
                        cpu,
                        "user + system of the plugin's JVM: what start-up costs, whatever the load"));
                table.add(Figure.of(
                        NAME, "idle RSS, MiB (" + v.name() + ")", rss, "<= 64 MiB (median)", rss.median() <= 64, ""));
                if (v.attribute()) {
                    // One more start under Native Memory Tracking (which itself costs ~1 MiB): where the RSS goes.
                    List<String> nmt = new ArrayList<>(flags);
                    nmt.add("-XX:NativeMemoryTracking=summary");
                    String[] breakdown = new String[1];
                    double[] r = once(v.java(), nmt, v.apiOff(), workDir, state, env, 3000, node -> {
                        breakdown[0] = attribution(node, v.java());
                    });
                    table.add(Figure.single(NAME, "idle RSS under NMT, MiB (" + v.name() + ")", r[1], breakdown[0]));
                }
            }
        } finally {
            api.destroy();
        }
    }

    /**
     * Trains an archive as the image build does: deploy/docker/node-cds-training.sh with this JVM first on PATH and
     * the flags in JDK_JAVA_OPTIONS (how the image passes them).
     */
    private void trainWithImageScript(Path java, List<String> flags, Path archive, Path workDir) throws Exception {
        if (!Files.isRegularFile(TRAINING_SCRIPT)) {
            throw new IllegalStateException("no " + TRAINING_SCRIPT.toAbsolutePath() + ": run from test/bench");
        }
        ProcessBuilder pb = new ProcessBuilder(
                        "bash", TRAINING_SCRIPT.toString(), jar.toAbsolutePath().toString(), archive.toString())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("training.log").toFile());
        pb.environment().put("PATH", java.getParent() + ":" + System.getenv("PATH"));
        pb.environment().put("JDK_JAVA_OPTIONS", String.join(" ", flags));
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /**
     * Where the idle plugin's resident memory is: NMT's committed memory by category (Java heap, class metadata
     * and the mapped CDS archives, code, threads...), and the resident file mappings NMT does not count (libjvm).
     */
    private static String attribution(ChildPlugin node, Path javaBin) {
        try {
            String summary = node.jcmd(javaBin, "VM.native_memory", "summary");
            Matcher m = Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB")
                    .matcher(summary);
            List<String> parts = new ArrayList<>();
            while (m.find()) {
                long kib = Long.parseLong(m.group(2));
                if (kib >= 512) {
                    parts.add(String.format(Locale.ROOT, "%s %.1f", m.group(1).trim(), kib / 1024.0));
                }
            }
            Matcher threads = Pattern.compile("\\(thread #(\\d+)\\)").matcher(summary);
            String threadCount = threads.find() ? " (" + threads.group(1) + " threads)" : "";
            StringBuilder files = new StringBuilder();
            for (Map.Entry<String, Long> e : node.residentByMapping().entrySet()) {
                if (e.getValue() >= 1024 && !e.getKey().equals("[anon]")) {
                    files.append(String.format(
                            Locale.ROOT, "; %s %.1f", Path.of(e.getKey()).getFileName(), e.getValue() / 1024.0));
                }
            }
            return "NMT committed, MiB: " + String.join(", ", parts) + threadCount + ". Resident by file mapping, MiB"
                    + files;
        } catch (Exception e) {
            return "no NMT breakdown: " + e.getMessage();
        }
    }

    /** Looks at an idle plugin before it is stopped. */
    private interface Inspect {
        void idle(ChildPlugin node) throws Exception;
    }

    /** One start: [ms to Probe ready, idle RSS in MiB, CPU ms to Probe ready]. */
    private double[] once(
            Path java,
            List<String> flags,
            boolean apiOff,
            Path workDir,
            Path state,
            Map<String, String> env,
            long idleMillis,
            Inspect inspect)
            throws Exception {
        resetState(state);
        Path socket = workDir.resolve("node.sock");
        List<String> args = new ArrayList<>(List.of(
                "--endpoint",
                "unix://" + socket,
                "--node-id",
                "bench-node",
                "--kubelet-dir",
                workDir.resolve("kubelet").toString(),
                "--sysfs-root",
                workDir.resolve("sys").toString(),
                "--lnet-interface",
                "eth7",
                "--lustre-tools-dir",
                workDir.resolve("tools").toString(),
                "--metrics-port",
                Integer.toString(freePort()),
                "--v",
                "2"));
        if (apiOff) {
            args.add("--kubernetes-api=off");
        }
        try (ChildPlugin node = ChildPlugin.start(java, flags, jar, args, socket, env, workDir.resolve("node.log"))) {
            // A bound for the harness, not a target: at load average 60 a JVM takes over a minute to serve.
            double readyMs = node.awaitProbeReady(300_000);
            double cpuMs = node.cpuMillis();
            // What node-driver-registrar asks right after start.
            NodeGrpc.newBlockingStub(node.channel()).nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
            Thread.sleep(idleMillis);
            double rss = node.rssMiB();
            if (inspect != null) {
                inspect.idle(node);
            }
            return new double[] {readyMs, rss, cpuMs};
        }
    }

    /** The stand-in lnetctl, lctl, modprobe and lfs (lustre-tools test resources) with their state directory. */
    static void installTools(Path tools, Path state) throws IOException {
        Files.createDirectories(tools);
        for (String name : List.of("lnetctl", "lctl", "modprobe", "lfs")) {
            try (InputStream in =
                    NodeFootprintBench.class.getClassLoader().getResourceAsStream("standins/bin/" + name)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "stand-in " + name + " missing from the classpath (lustre-tools test-jar)");
                }
                Path file = tools.resolve(name);
                Files.writeString(
                        file,
                        new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("@STATE_DIR@", state.toString()));
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        resetState(state);
    }

    /** A node that has just booted: no modules loaded, LNet not configured. */
    private static void resetState(Path state) throws IOException {
        BenchMain.deleteTree(state);
        for (String d : List.of("log", "hang", "down", "servers", "modules", "lnet/ifaddr", "holders")) {
            Files.createDirectories(state.resolve(d));
        }
        Files.writeString(state.resolve("lnet/ifaddr/eth7"), "10.7.0.50\n");
    }

    static Path writeKubeconfig(Path file, String serverUrl) throws IOException {
        String server = serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl;
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: bench
                  cluster:
                    server: %s
                users:
                - name: bench
                  user:
                    token: bench
                contexts:
                - name: bench
                  context:
                    cluster: bench
                    user: bench
                    namespace: default
                current-context: bench
                """.formatted(server));
        return file;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
