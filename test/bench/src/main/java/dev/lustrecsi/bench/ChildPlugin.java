package dev.lustrecsi.bench;

import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.ProbeRequest;
import dev.lustrecsi.csi.v1.ProbeResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plugin started from its runnable jar as a child process, the way a container starts it, with the clock
 * running from just before the process is spawned.
 */
final class ChildPlugin implements AutoCloseable {
    private final Process process;
    private final long startedNanos;
    private final Path socket;
    private final Path log;
    private ManagedChannel channel;

    private ChildPlugin(Process process, long startedNanos, Path socket, Path log) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.socket = socket;
        this.log = log;
    }

    /**
     * @param java     the java launcher
     * @param jvmFlags flags before {@code -jar}
     * @param args     the plugin's arguments; must include {@code --endpoint unix://<socket>}
     * @param env      environment changes (a null value removes the variable)
     */
    static ChildPlugin start(
            Path java,
            List<String> jvmFlags,
            Path jar,
            List<String> args,
            Path socket,
            Map<String, String> env,
            Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmFlags);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Files.deleteIfExists(socket);
        long t0 = System.nanoTime();
        return new ChildPlugin(pb.start(), t0, socket, log);
    }

    long pid() {
        return process.pid();
    }

    /** Milliseconds from spawn until Probe answers ready=true (polling every 2 ms), or fails after the bound. */
    double awaitProbeReady(long boundMillis) throws InterruptedException {
        long deadline = startedNanos + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("plugin exited with " + process.exitValue() + "; log: " + tail());
            }
            if (Files.exists(socket)) {
                if (channel == null) {
                    channel = UnixChannels.open("unix://" + socket);
                }
                try {
                    ProbeResponse r = IdentityGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(2, TimeUnit.SECONDS)
                            .probe(ProbeRequest.getDefaultInstance());
                    if (r.hasReady() && r.getReady().getValue()) {
                        return (System.nanoTime() - startedNanos) / 1e6;
                    }
                } catch (StatusRuntimeException e) {
                    // Bound but not serving yet.
                }
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("Probe not ready within " + boundMillis + " ms; log: " + tail());
    }

    ManagedChannel channel() {
        if (channel == null) {
            channel = UnixChannels.open("unix://" + socket);
        }
        return channel;
    }

    /**
     * CPU time the plugin's JVM has used so far (user + system, /proc/&lt;pid&gt;/stat fields 14 and 15, in clock ticks
     * of 10 ms: USER_HZ is 100 on Linux), in ms. Unlike wall-clock time it hardly depends on how loaded the machine
     * is, so it says what start-up costs even when other builds share the cores.
     */
    double cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
    }

    /** Resident set size now, in MiB, from /proc/&lt;pid&gt;/status. */
    double rssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + process.pid());
    }

    /** Java heap in use after a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}), in MiB. */
    double heapAfterFullGcMiB(Path java) throws IOException, InterruptedException {
        Path jcmd = java.resolveSibling("jcmd");
        run(jcmd.toString(), Long.toString(process.pid()), "GC.run");
        String info = run(jcmd.toString(), Long.toString(process.pid()), "GC.heap_info");
        // "garbage-first heap total 262144K, used 12345K", or one line per generation for Serial/Parallel.
        Pattern used = Pattern.compile(
                "^\\s*(garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen"
                        + "|Shenandoah Heap|ZHeap)\\b.*?used (\\d+)K",
                Pattern.MULTILINE);
        Matcher m = used.matcher(info);
        long kib = 0;
        boolean found = false;
        while (m.find()) {
            kib += Long.parseLong(m.group(2));
            found = true;
        }
        if (!found) {
            throw new IllegalStateException("cannot read heap use from jcmd GC.heap_info:\n" + info);
        }
        return kib / 1024.0;
    }

    /** The output of {@code jcmd <pid> <command...>} run with the given JVM's jcmd. */
    String jcmd(Path java, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(java.resolveSibling("jcmd").toString(), Long.toString(pid())));
        argv.addAll(List.of(command));
        return run(argv.toArray(String[]::new));
    }

    /**
     * Resident memory by mapping, from /proc/&lt;pid&gt;/smaps, in KiB: the file of a file mapping ("[anon]" for
     * anonymous memory, which NMT breaks down further), each with its resident size.
     */
    Map<String, Long> residentByMapping() throws IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        String name = "[anon]";
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] f = line.trim().split("\\s+", 6);
                name = f.length < 6 || f[5].isBlank() ? "[anon]" : f[5].trim();
            } else if (line.startsWith("Rss:")) {
                out.merge(name, Long.parseLong(line.replaceAll("\\D", "")), Long::sum);
            }
        }
        return out;
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (graceful stop, as kubelet does), then SIGKILL if it does not go. */
    @Override
    public void close() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
