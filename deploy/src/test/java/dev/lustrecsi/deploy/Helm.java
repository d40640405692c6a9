package dev.lustrecsi.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code helm template} on the chart. Helm is installed by {@code bin/install-test-tools}
 * (run by this module's build before the tests); {@code HELM} in the environment points elsewhere.
 */
final class Helm {
    static final String RELEASE = "lustre-csi";
    static final String NAMESPACE = "lustre-csi";

    private Helm() {}

    static Path binary() {
        String env = System.getenv("HELM");
        Path helm = env != null && !env.isBlank() ? Path.of(env) : RepoFiles.ROOT.resolve(".tools/bin/helm");
        if (!Files.isExecutable(helm)) {
            throw new IllegalStateException("helm not found at " + helm + ": run bin/install-test-tools");
        }
        return helm;
    }

    /** {@code helm template lustre-csi deploy/chart/lustre-csi -n lustre-csi <extra args>}; fails on a non-zero exit. */
    static String template(String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(
                binary().toString(), "template", RELEASE, RepoFiles.CHART.toString(), "--namespace", NAMESPACE));
        cmd.addAll(List.of(extraArgs));
        Result r = run(cmd);
        if (r.exitCode != 0) {
            throw new AssertionError(
                    "helm template " + String.join(" ", extraArgs) + " failed (" + r.exitCode + "): " + r.stderr);
        }
        return r.stdout;
    }

    /** Runs helm and returns its exit code and stderr; for values the chart must refuse. */
    static Result templateExpectingFailure(String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(
                binary().toString(), "template", RELEASE, RepoFiles.CHART.toString(), "--namespace", NAMESPACE));
        cmd.addAll(List.of(extraArgs));
        return run(cmd);
    }

    record Result(int exitCode, String stdout, String stderr) {}

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p, true));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p, false));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("helm did not finish within 120 s: " + cmd);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(Process p, boolean stdout) {
        try {
            return new String(
                    (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
