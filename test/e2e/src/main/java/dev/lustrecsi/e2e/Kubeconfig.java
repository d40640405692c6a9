package dev.lustrecsi.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig for a plain-HTTP API server (the local mock), readable by kubectl and fabric8. */
final class Kubeconfig {
    private Kubeconfig() {}

    static Path write(Path file, String serverUrl, String namespace) {
        String server = serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl;
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lustre-csi-local
                  cluster:
                    server: %s
                users:
                - name: local
                  user:
                    token: local-demo
                contexts:
                - name: lustre-csi-local
                  context:
                    cluster: lustre-csi-local
                    user: local
                    namespace: %s
                current-context: lustre-csi-local
                """.formatted(server, namespace);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
