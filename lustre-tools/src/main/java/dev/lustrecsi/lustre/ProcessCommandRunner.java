package dev.lustrecsi.lustre;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tools with {@link ProcessBuilder}. A tool that outlives its bound is killed (and its
 * children with it) so a hung Lustre server can never hang the caller: the result then says
 * {@code timedOut}. A process stuck in uninterruptible sleep (D state, typical of a dead Lustre
 * mount) cannot be reaped; we stop waiting for it rather than block the gRPC call.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);
    private static final int MAX_CAPTURE = 1 << 20;

    private final Map<String, String> extraEnv;

    public ProcessCommandRunner() {
        this(Map.of());
    }

    /** @param extraEnv variables added to the child's environment (e.g. a PATH for tests' stand-ins) */
    public ProcessCommandRunner(Map<String, String> extraEnv) {
        this.extraEnv = Map.copyOf(extraEnv);
    }

    @Override
    public CommandResult run(List<String> argv, Duration timeout) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command line");
        }
        List<String> args = List.copyOf(argv);
        ProcessBuilder pb = new ProcessBuilder(args);
        pb.environment().putAll(extraEnv);
        // Tools' output must be parseable regardless of the host's locale.
        pb.environment().put("LC_ALL", "C");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long start = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return new CommandResult(args, 127, "", "cannot start: " + e.getMessage(), false);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            LOG.warn("{} did not finish within {} ms; killed", args.get(0), timeout.toMillis());
            return new CommandResult(args, -1, collect(out), collect(err), true);
        }
        CommandResult result = new CommandResult(args, process.exitValue(), collect(out), collect(err), false);
        LOG.debug("{} -> {} in {} ms", args, result.exitCode(), (System.nanoTime() - start) / 1_000_000);
        return result;
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[8192];
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    if (buf.size() < MAX_CAPTURE) {
                        buf.write(chunk, 0, Math.min(n, MAX_CAPTURE - buf.size()));
                    }
                }
                return buf.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static String collect(CompletableFuture<String> f) {
        try {
            // A killed child's pipes close promptly; a D-state one may not, so do not wait forever.
            return f.get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return "";
        }
    }
}
