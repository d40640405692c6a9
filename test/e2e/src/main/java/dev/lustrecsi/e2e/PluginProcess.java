package dev.lustrecsi.e2e;

import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.ProbeRequest;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A CSI plugin started from its own Main class in a child JVM, exactly as its container runs it (same flags,
 * same server wiring), serving on a Unix socket. {@link #kill()} is SIGKILL: nothing of the process survives
 * but what it wrote to the API server and the mount table, which is the point of the restart tests.
 */
public final class PluginProcess implements AutoCloseable {
    private final String name;
    private final String mainClass;
    private final List<String> args;
    private final Map<String, String> env;
    private final Path socket;
    private final Path log;
    private Process process;
    private ManagedChannel channel;

    public PluginProcess(
            String name, String mainClass, List<String> args, Map<String, String> env, Path socket, Path log) {
        this.name = name;
        this.mainClass = mainClass;
        this.args = List.copyOf(args);
        this.env = Map.copyOf(env);
        this.socket = socket;
        this.log = log;
    }

    /** Starts the process and waits until its Identity service answers Probe over the socket. */
    public synchronized PluginProcess start() {
        if (process != null && process.isAlive()) {
            return this;
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // Small and quick to start: CI has two cores, and the plugins do little work each.
        command.addAll(List.of(
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-Xss512k",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        command.addAll(args);
        try {
            Files.createDirectories(log.getParent());
            Files.createDirectories(socket.getParent());
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // Never the user's cluster: no in-cluster service, no KUBECONFIG but the one given here.
            pb.environment()
                    .keySet()
                    .removeAll(List.of("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBECONFIG"));
            pb.environment().putAll(env);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        channel = UnixChannels.open("unix://" + socket);
        awaitServing(Duration.ofSeconds(90));
        return this;
    }

    private void awaitServing(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (Files.exists(socket)) {
                try {
                    IdentityGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .probe(ProbeRequest.getDefaultInstance());
                    return;
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            sleep(50);
        }
        throw new IllegalStateException(
                name + " did not serve on " + socket + " within " + bound + "; see " + log, last);
    }

    public synchronized ManagedChannel channel() {
        if (channel == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return channel;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, as the kubelet does to a container that does not stop, or the OOM killer. */
    public synchronized void kill() {
        stop(true);
    }

    /** SIGTERM: the plugin stops serving gracefully. */
    public synchronized void terminate() {
        stop(false);
    }

    private void stop(boolean force) {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        if (process == null) {
            return;
        }
        ChildProcesses.end(process, force, Duration.ofSeconds(30));
        process = null;
    }

    /** Stops (if running) and starts again with the same flags. */
    public synchronized void restart(boolean kill) {
        stop(kill);
        start();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        terminate();
    }

    /** Thread.sleep for polling loops: an interrupt ends the wait and the caller (interrupt flag kept). */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
