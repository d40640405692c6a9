package dev.lustrecsi.bench;

import dev.lustrecsi.lustre.testing.MountNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs the benchmarks and prints one table of figures with their targets. Never fails on a missed target:
 * a benchmark that cannot run here (not root, no private mount namespace, no runnable jar) is listed as not run,
 * with the reason.
 *
 * <p>Arguments: {@code --quick} (tiny sizes, to check the harness), {@code --only a,b} (benchmark names:
 * create-delete, publish, node-footprint, many-volumes, elasticity). System properties: {@code bench.nodeJar},
 * {@code bench.controllerJar} (the plugins' runnable jars), {@code bench.output} (also write the table there),
 * {@code bench.manyVolumes} (sizes for many-volumes, e.g. {@code 10000}; pass it in {@code -Dbench.jvmArgs}).
 */
public final class BenchMain {
    static final List<String> ALL = List.of(
            CreateDeleteBench.NAME,
            PublishBench.NAME,
            NodeFootprintBench.NAME,
            ManyVolumesBench.NAME,
            ElasticityBench.NAME,
            StandbyBench.NAME);

    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        // The mock API server logs every request at INFO; the table is what matters here.
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        boolean quick = Arrays.asList(args).contains("--quick");
        Set<String> only = new LinkedHashSet<>(ALL);
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--only") && i + 1 < args.length) {
                only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
            }
        }
        ResultTable table = run(only, quick);
        String text = table.render(machine());
        System.out.println();
        System.out.println(text);
        String output = System.getProperty("bench.output");
        if (output != null && !output.isEmpty()) {
            Path out = Path.of(output);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, text);
            System.out.println("(table written to " + out + ")");
        }
        // Child processes and non-daemon threads of the stand-ins must not keep the JVM alive.
        System.exit(0);
    }

    static ResultTable run(Set<String> only, boolean quick) throws IOException {
        ResultTable table = new ResultTable();
        Path work = Files.createTempDirectory("lustre-csi-bench-");
        try {
            for (String name : only) {
                System.out.println("== " + name + (quick ? " (quick)" : ""));
                try {
                    runOne(name, quick, work.resolve(name), table);
                } catch (Throwable e) {
                    String why = e.getClass().getSimpleName() + ": " + e.getMessage();
                    if (e.getClass().getName().startsWith("org.opentest4j")) {
                        why = e.getMessage();
                    } else {
                        e.printStackTrace();
                    }
                    table.add(Figure.skipped(name, why));
                }
            }
        } finally {
            deleteTree(work);
        }
        return table;
    }

    private static void runOne(String name, boolean quick, Path dir, ResultTable table) throws Exception {
        Files.createDirectories(dir);
        switch (name) {
            case CreateDeleteBench.NAME ->
                new CreateDeleteBench(new int[] {1, 4, 16}, quick ? 16 : 200, quick ? 1 : 3).run(dir, table);
            case PublishBench.NAME -> new PublishBench(quick ? 20 : 400).run(dir, table);
            case NodeFootprintBench.NAME -> new NodeFootprintBench(jar("bench.nodeJar"), quick ? 1 : 5).run(dir, table);
            case ManyVolumesBench.NAME -> {
                for (int volumes : quick ? new int[] {600} : manyVolumesSizes()) {
                    new ManyVolumesBench(jar("bench.controllerJar"), volumes, quick ? 1 : 3)
                            .run(dir.resolve("v" + volumes), table);
                }
            }
            case ElasticityBench.NAME -> new ElasticityBench(quick ? 20 : 500).run(dir, table);
            case StandbyBench.NAME ->
                new StandbyBench(Duration.ofSeconds(quick ? 1 : 20), quick ? 1 : 2).run(dir, table);
            default -> throw new IllegalArgumentException("unknown benchmark '" + name + "'; known: " + ALL);
        }
    }

    /**
     * {@code -Dbench.manyVolumes=10000,100000} (a comma-separated list) runs those sizes; default 10,000 only: seeding
     * 100,000 records and three restarts at that size take 15-30 minutes on 2 cores, longer than the rest together.
     */
    private static int[] manyVolumesSizes() {
        String sizes = System.getProperty("bench.manyVolumes", "");
        if (sizes.isBlank()) {
            return new int[] {10_000};
        }
        return Arrays.stream(sizes.split(","))
                .mapToInt(v -> Integer.parseInt(v.trim()))
                .toArray();
    }

    private static Path jar(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isEmpty() || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException("runnable jar not found (-D" + property + "=" + value
                    + "); package the plugins first, as bin/bench does");
        }
        return Path.of(value);
    }

    static String machine() {
        String cpu = "?";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.replaceAll(".*:\\s*", ""))
                    .orElse("?");
        } catch (IOException | RuntimeException e) {
            // Not Linux: the name stays unknown.
        }
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).split(" ")[1];
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        String ns = MountNamespace.isPrivate() ? "private mount namespace" : "no private mount namespace";
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap for the benchmark JVM, JDK "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", " + ns + ", load average (5 min) " + load + " at the end";
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            List<Path> all = new ArrayList<>(walk.toList());
            all.sort(Comparator.reverseOrder());
            for (Path x : all) {
                Files.deleteIfExists(x);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("cannot remove " + p + ": " + e.getMessage());
        }
    }
}
