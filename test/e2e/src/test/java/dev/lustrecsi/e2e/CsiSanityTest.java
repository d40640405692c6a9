package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The official CSI conformance suite (kubernetes-csi/csi-test's csi-sanity) against the plugins as the demo runs
 * them: controller and node from their own Main classes in child JVMs on Unix sockets, the mock API server with
 * the operator and KubeVirt simulator, stand-in Lustre tools. Every spec it runs must pass; we pass no focus or
 * skip expression, so the only specs skipped are those csi-sanity itself gates on capabilities we do not offer.
 *
 * <p>csi-sanity is a Go binary no Maven artifact provides: it is taken from {@code $CSI_SANITY}, else
 * {@code <repo>/.tools/bin/csi-sanity} (bin/install-test-tools), and the test is skipped, saying so, without it.
 */
class CsiSanityTest {
    private static final long GI = 1L << 30;

    @Test
    void everyConformanceSpecCsiSanityRunsPasses() throws Exception {
        Optional<Path> sanity = csiSanity();
        Assumptions.assumeTrue(
                sanity.isPresent(),
                "csi-sanity not installed: set CSI_SANITY or run bin/install-test-tools (.tools/bin/csi-sanity)");
        LocalCluster cluster = Story.startCluster("sanity");
        try {
            Story story = new Story(cluster, "sanity");
            // The first volume brings the pool up (operator, VMs, servers): csi-sanity's own calls then answer
            // in seconds, as they do on a cluster where the pool exists.
            story.claimAndBind("10Gi", "warm-up");
            story.awaitPoolSettled();
            Map<String, String> parameters = cluster.storageClassParameters();
            Path work = cluster.home().resolve("sanity");
            Files.createDirectories(work);
            Path parametersFile = work.resolve("volume-parameters.yaml");
            // JSON is YAML: one flow mapping with every value quoted.
            Files.writeString(
                    parametersFile,
                    new TreeMap<>(parameters)
                            .entrySet().stream()
                                    .map(e -> quote(e.getKey()) + ": " + quote(e.getValue()))
                                    .collect(Collectors.joining(", ", "{", "}\n")));
            Path report = work.resolve("junit.xml");
            Path socket = cluster.home().resolve("combined/csi.sock");
            Files.createDirectories(socket.getParent());
            ManagedChannel controller = channel(cluster.home().resolve("controller/csi.sock"));
            ManagedChannel node = channel(cluster.home().resolve("node/csi.sock"));
            Path stagingDir = cluster.kubeletDir().resolve("plugins/kubernetes.io/csi/sanity/globalmount");
            Path mountDir = cluster.kubeletDir().resolve("pods/sanity-pod/volumes/kubernetes.io~csi/sanity/mount");
            // csi-sanity makes these two itself (mkdir, not -p); kubelet makes their parents before it calls a plugin.
            Files.createDirectories(stagingDir.getParent());
            Files.createDirectories(mountDir.getParent());
            long t0 = System.nanoTime();
            int exit;
            try (CombinedEndpoint ignored = new CombinedEndpoint(socket, controller, node)) {
                List<String> command = new ArrayList<>(List.of(
                        sanity.get().toString(),
                        "--csi.endpoint",
                        "unix://" + socket,
                        "--csi.controllerendpoint",
                        "unix://" + cluster.home().resolve("controller/csi.sock"),
                        // kubelet's own layout: targets under pods/, staging under plugins/ (NodePaths accepts only
                        // those).
                        "--csi.stagingdir",
                        stagingDir.toString(),
                        "--csi.mountdir",
                        mountDir.toString(),
                        "--csi.testvolumeparameters",
                        parametersFile.toString(),
                        "--csi.testvolumesize",
                        Long.toString(10 * GI),
                        "--csi.testvolumeexpandsize",
                        Long.toString(20 * GI),
                        "--ginkgo.junit-report",
                        report.toString(),
                        "--ginkgo.no-color"));
                Process p = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(work.resolve("csi-sanity.log").toFile())
                        .start();
                assertThat(p.waitFor(30, TimeUnit.MINUTES))
                        .as("csi-sanity finished")
                        .isTrue();
                exit = p.exitValue();
            } finally {
                controller.shutdownNow();
                node.shutdownNow();
            }
            long seconds = (System.nanoTime() - t0) / 1_000_000_000;
            Results r = Results.read(report);
            System.out.printf(
                    "csi-sanity: %d passed, %d failed, %d skipped in %d s%s%n",
                    r.passed().size(), r.failed().size(), r.skipped, seconds, r.means());
            assertThat(r.failed())
                    .as("failed conformance specs (log: %s)", work.resolve("csi-sanity.log"))
                    .isEmpty();
            assertThat(r.passed()).as("specs run").isNotEmpty();
            assertThat(exit).as("csi-sanity exit code").isZero();
        } finally {
            Story.stopCluster(cluster);
        }
    }

    private static ManagedChannel channel(Path socket) {
        return Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    static Optional<Path> csiSanity() {
        String env = System.getenv("CSI_SANITY");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isExecutable);
        }
        // Surefire runs in test/e2e; the repository root is two levels up.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".tools/bin/csi-sanity");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
            if (Files.exists(dir.resolve("mvnw"))) {
                break;
            }
        }
        return Optional.empty();
    }

    /** Ginkgo's JUnit report: one testcase per spec with a status attribute (passed, failed, skipped, ...). */
    record Results(List<String> passed, List<String> failed, int skipped, Map<String, List<Double>> times) {
        static Results read(Path report) throws Exception {
            assertThat(report).as("csi-sanity's JUnit report").exists();
            var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile());
            NodeList cases = doc.getElementsByTagName("testcase");
            List<String> passed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            int skipped = 0;
            Map<String, List<Double>> times = new TreeMap<>();
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                String name = c.getAttribute("name");
                String status = c.getAttribute("status");
                if (name.startsWith("[BeforeSuite]")
                        || name.startsWith("[AfterSuite]")
                        || name.startsWith("[SynchronizedBeforeSuite]")
                        || name.startsWith("[SynchronizedAfterSuite]")) {
                    if (!status.equals("passed") && !status.equals("skipped")) {
                        failed.add(name + " (" + status + ")");
                    }
                    continue;
                }
                switch (status) {
                    case "passed" -> {
                        passed.add(name);
                        for (String rpc : List.of("CreateVolume", "DeleteVolume")) {
                            if (name.contains(rpc) && !c.getAttribute("time").isEmpty()) {
                                times.computeIfAbsent(rpc, k -> new ArrayList<>())
                                        .add(Double.parseDouble(c.getAttribute("time")));
                            }
                        }
                    }
                    case "skipped", "pending" -> skipped++;
                    default -> failed.add(name + " (" + status + "): " + text(c));
                }
            }
            return new Results(passed, failed, skipped, times);
        }

        private static String text(Element c) {
            NodeList f = c.getElementsByTagName("failure");
            String t = f.getLength() == 0
                    ? ""
                    : ((Element) f.item(0)).getTextContent().strip();
            return t.length() > 1500 ? t.substring(0, 1500) + "..." : t;
        }

        String means() {
            return times.entrySet().stream()
                    .map(e -> String.format(
                            "; specs naming %s: %d, mean %.2f s",
                            e.getKey(),
                            e.getValue().size(),
                            e.getValue().stream()
                                    .mapToDouble(Double::doubleValue)
                                    .average()
                                    .orElse(0)))
                    .collect(Collectors.joining());
        }
    }
}
