package dev.lustrecsi.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real CSI sidecar binary (external-provisioner, external-resizer) as a child process, logging to a file.
 *
 * @param name the binary's file name
 */
public record Sidecar(String name, Process process, Path log) implements AutoCloseable {
    public static Sidecar start(Path binary, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(args);
        return launch(binary, command, log);
    }

    /**
     * In a UTS namespace of its own named {@code hostname}, as a container of a pod without the host network sees
     * its pod's name: the real sidecars take their Lease identity from the hostname (csi-lib-utils
     * leaderelection's {@code defaultLeaderElectionIdentity} returns {@code os.Hostname()}, and they have no flag
     * for it), so two controller pods on this one machine need two hostnames to be two candidates. The hostname
     * and the sidecar's arguments are positional parameters of the script, never part of it.
     */
    public static Sidecar startWithHostname(Path binary, List<String> args, Path log, String hostname) {
        List<String> command = new ArrayList<>(List.of(
                "unshare", "--uts", "--", "/bin/sh", "-c", "hostname \"$1\" && shift && exec \"$@\"", "sh", hostname));
        command.add(binary.toString());
        command.addAll(args);
        return launch(binary, command, log);
    }

    private static Sidecar launch(Path binary, List<String> command, Path log) {
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new Sidecar(binary.getFileName().toString(), p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as when its pod is killed with the controller in it. */
    public void kill() {
        ChildProcesses.end(process, true, Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        ChildProcesses.end(process, false, Duration.ofSeconds(10));
    }
}
