package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemStatus;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractStringAssert;

/**
 * Runs {@code kubectl lustre} in-process against the fabric8 mock API server (CRUD mode), with the real
 * CRD installed, and plays the operator's part by writing status the way the operator does.
 */
final class CliHarness {
    static final Path CRD = Path.of(System.getProperty("repo.root", ".."))
            .resolve("deploy/crds/lustre.lustrecsi.dev_lustrefilesystems.yaml");

    record Result(int exitCode, String out, String err) {
        /** Asserts the exit status (showing stderr when it differs), then hands stderr on to assert on. */
        AbstractStringAssert<?> assertExit(int expected) {
            assertThat(exitCode).as(err).isEqualTo(expected);
            return assertThat(err);
        }
    }

    private final KubernetesClient client;

    CliHarness(KubernetesClient client) {
        this.client = client;
    }

    /** Installs the project's CRD so the mock knows the kind's scope and status subresource. */
    void installCrd() throws IOException {
        try (InputStream in = Files.newInputStream(CRD)) {
            CustomResourceDefinition crd =
                    client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .resource(crd)
                    .createOr(r -> r.update());
        }
    }

    /** The mock server lives for the whole test class: start each test from an empty cluster. */
    void reset() {
        client.resources(LustreFileSystem.class).inAnyNamespace().delete();
        client.persistentVolumes().delete();
    }

    Result run(String... args) {
        return run(new SyncWriter(), args);
    }

    /** Runs with a caller-provided stderr buffer, so a test can watch progress while the command waits. */
    Result run(SyncWriter errBuffer, String... args) {
        StringWriter out = new StringWriter();
        KubectlLustre root = new KubectlLustre((ctx, timeout) -> client);
        int code = KubectlLustre.commandLine(root, new PrintWriter(out, true), new PrintWriter(errBuffer, true))
                .execute(args);
        return new Result(code, out.toString(), errBuffer.toString());
    }

    /** Starts a command that waits (e.g. {@code --wait}) in the background, so a test can watch and steer it. */
    Running start(String... args) {
        SyncWriter err = new SyncWriter();
        return new Running(err, CompletableFuture.supplyAsync(() -> run(err, args)));
    }

    /** A command running in the background: its stderr so far, and its result once it ends. */
    record Running(SyncWriter err, CompletableFuture<Result> result) {
        /** Returns once the command has printed {@code text} to stderr (at most 30 s). */
        void awaitProgress(String text) {
            await().atMost(30, TimeUnit.SECONDS).until(() -> err.toString().contains(text));
        }

        Result finish() throws Exception {
            return result.get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Ends a command still waiting for {@code namespace/name} to be Ready: the operator reports it Ready with
     * {@code osts} OSTs of 100 GiB on Lustre {@code version}. Returns the command's result.
     */
    Result finishOnceReady(Running running, String namespace, String name, int osts, String version) throws Exception {
        assertThat(running.result())
                .as("still waiting before the operator reports Ready")
                .isNotDone();
        setStatus(namespace, name, s -> Fixtures.ready(s, name, osts, 100 * Fixtures.GI, version));
        return running.finish();
    }

    LustreFileSystem get(String namespace, String name) {
        return client.resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    /** What the operator does after each reconcile: write status through the status subresource. */
    void setStatus(String namespace, String name, Consumer<LustreFileSystemStatus> change) {
        LustreFileSystem fs = get(namespace, name);
        LustreFileSystemStatus status = fs.getStatus() == null ? new LustreFileSystemStatus() : fs.getStatus();
        change.accept(status);
        if (fs.getMetadata().getGeneration() != null) {
            status.setObservedGeneration(fs.getMetadata().getGeneration());
        }
        fs.setStatus(status);
        client.resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .resource(fs)
                .updateStatus();
    }

    /** A StringWriter safe to read while the command writes from another thread. */
    static final class SyncWriter extends StringWriter {
        @Override
        public synchronized void write(String str, int off, int len) {
            super.write(str, off, len);
        }

        @Override
        public synchronized void write(int c) {
            super.write(c);
        }

        @Override
        public synchronized void write(char[] cbuf, int off, int len) {
            super.write(cbuf, off, len);
        }

        @Override
        public synchronized String toString() {
            return super.toString();
        }
    }
}
