package dev.lustrecsi.bench;

import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.lustre.testing.SysfsFixture;
import dev.lustrecsi.provisioner.sim.MockCluster;
import io.fabric8.kubernetes.api.model.NodeBuilder;
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
import java.util.Map;

/**
 * The node plugin's footprint: the real csi-node runnable jar started as a child process, as its container starts
 * it (metrics port on; Kubernetes API access through a kubeconfig to the mock API server, as in a cluster), with
 * the stand-in Lustre tools so that Probe can become ready. Measures the time from spawning the process to Probe
 * answering ready, and the resident set size once it has answered Probe and NodeGetInfo and sat idle.
 * Several JVM flag sets are compared: the image's previous flags, the tuned flags the image now uses, and those
 * with an AppCDS archive from a training run.
 */
final class NodeFootprintBench {
    static final String NAME = "node-footprint";
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    /** Serial GC and a small heap: the first step from the JDK's defaults. */
    static final List<String> HEAP = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn4m");

    /**
     * The flags the image sets (deploy/docker/node.Dockerfile JDK_JAVA_OPTIONS) and the chart passes
     * (values.yaml node.jvmOptions); NodeFootprintFlagsTest keeps the three in step. HEAP, then C1 only with a
     * small code cache and one compiler thread, smaller thread stacks, no hsperfdata file.
     */
    static final List<String> TUNED = List.of(
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

    private record Variant(String name, Path java, List<String> flags, boolean appCds, boolean apiOff) {
        Variant(String name, Path java, List<String> flags, boolean appCds) {
            this(name, java, flags, appCds, false);
        }
    }

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
        variants.add(new Variant(jdkName + ", 1 previous image flags (G1, MaxRAMPercentage=75)", jdk, BEFORE, false));
        variants.add(new Variant(jdkName + ", 2 Serial GC, 16-128 MiB heap, 4 MiB young", jdk, HEAP, false));
        variants.add(new Variant(
                jdkName + ", 3 tuned: + C1 only, 16 MiB code cache, 512 KiB stacks, no perf data", jdk, TUNED, false));
        variants.add(new Variant(jdkName + ", 4 tuned + AppCDS archive", jdk, TUNED, true));
        variants.add(new Variant(jdkName + ", 5 tuned + AppCDS, --kubernetes-api=off", jdk, TUNED, true, true));
        if (Files.isExecutable(JDK25) && Runtime.version().feature() != 25) {
            List<String> native25 = List.of("--enable-native-access=ALL-UNNAMED");
            variants.add(new Variant(
                    "JDK 25 (image runtime), tuned + AppCDS archive", JDK25, concat(native25, TUNED), true));
        }

        try (MockCluster cluster = MockCluster.start()) {
            cluster.client()
                    .nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName("bench-node")
                            .endMetadata()
                            .build())
                    .create();
            Path kubeconfig = writeKubeconfig(
                    workDir.resolve("kubeconfig"),
                    cluster.client().getMasterUrl().toString());
            Map<String, String> env = new HashMap<>();
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("KUBERNETES_SERVICE_HOST", null);
            for (Variant v : variants) {
                List<String> flags = new ArrayList<>(v.flags());
                if (v.appCds()) {
                    Path archive = workDir.resolve("node-" + Math.abs(v.name().hashCode()) + ".jsa");
                    List<String> training = new ArrayList<>(flags);
                    training.add("-XX:ArchiveClassesAtExit=" + archive);
                    // Trained as the image build trains it (deploy/docker/node-cds-training.sh): no API server.
                    once(v.java(), training, true, workDir, state, env, 500);
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
                    double[] r = once(v.java(), flags, v.apiOff(), workDir, state, env, runs == 1 ? 1000 : 3000);
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
                        "",
                        null,
                        "user + system of the plugin's JVM: what start-up costs, whatever the load"));
                table.add(Figure.of(
                        NAME, "idle RSS, MiB (" + v.name() + ")", rss, "<= 64 MiB (median)", rss.median() <= 64, ""));
            }
        }
    }

    /** One start: [ms to Probe ready, idle RSS in MiB, CPU ms to Probe ready]. */
    private double[] once(
            Path java,
            List<String> flags,
            boolean apiOff,
            Path workDir,
            Path state,
            Map<String, String> env,
            long idleMillis)
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
            double readyMs = node.awaitProbeReady(60_000);
            double cpuMs = node.cpuMillis();
            // What node-driver-registrar asks right after start.
            NodeGrpc.newBlockingStub(node.channel()).nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
            Thread.sleep(idleMillis);
            return new double[] {readyMs, node.rssMiB(), cpuMs};
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
