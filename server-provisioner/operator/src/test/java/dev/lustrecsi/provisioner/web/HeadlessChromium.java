package dev.lustrecsi.provisioner.web;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code chromium} in headless mode, as a user's browser would load a page: {@code --dump-dom} gives
 * the DOM after parsing, {@code --screenshot} a PNG. Each run gets a fresh profile directory and no network
 * services of its own (no updates, sync, QUIC or first-run work), and is killed with its children after a bound.
 */
final class HeadlessChromium {
    static final Path DEFAULT = Path.of("/usr/bin/chromium");
    private static final long BOUND_SECONDS = 120;

    private final Path binary;

    private HeadlessChromium(Path binary) {
        this.binary = binary;
    }

    /**
     * The installed browser. Missing: the test fails when run as root (CI, where bin/install-system-packages
     * installs it), and is skipped with the same advice for a developer without root.
     */
    static HeadlessChromium require() {
        Path binary = Path.of(System.getProperty("chromium.path", DEFAULT.toString()));
        if (Files.isExecutable(binary)) {
            return new HeadlessChromium(binary);
        }
        String advice = binary + " is missing: the status page test needs Debian's chromium. Install it with "
                + "bin/install-system-packages (as root), i.e. apt-get install -y --no-install-recommends chromium";
        if (isRoot()) {
            fail(advice);
        }
        Assumptions.abort("not root and " + advice);
        return null;
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The serialized DOM of the page at {@code url}. */
    String dumpDom(String url) {
        return run(List.of("--dump-dom", url));
    }

    /** Saves a screenshot of the page at {@code url}, {@code width}x{@code height} CSS pixels. */
    void screenshot(String url, Path png, int width, int height) {
        try {
            Files.createDirectories(png.getParent());
            Files.deleteIfExists(png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(List.of(
                "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height,
                "--hide-scrollbars",
                url));
        if (!Files.isRegularFile(png)) {
            fail("chromium wrote no screenshot at " + png);
        }
    }

    private String run(List<String> args) {
        Path profile = null;
        Path stderr = null;
        Process process = null;
        try {
            profile = Files.createTempDirectory("chromium-profile-");
            stderr = Files.createTempFile("chromium-", ".log");
            List<String> argv = new ArrayList<>(List.of(
                    binary.toString(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile));
            argv.addAll(args);
            process = new ProcessBuilder(argv).redirectError(stderr.toFile()).start();
            process.getOutputStream().close();
            // Read stdout while it runs (a DOM can be larger than a pipe's buffer).
            Process p = process;
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (!process.waitFor(BOUND_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish within " + BOUND_SECONDS + " s: " + argv + "\n"
                        + Files.readString(stderr));
            }
            String stdout = out.get(30, TimeUnit.SECONDS);
            if (process.exitValue() != 0) {
                fail("chromium exited " + process.exitValue() + ": " + argv + "\n" + Files.readString(stderr));
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("reading chromium's output failed", e);
        } finally {
            if (process != null && process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            delete(profile);
            delete(stderr);
        }
    }

    private static void delete(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless.
        }
    }
}
