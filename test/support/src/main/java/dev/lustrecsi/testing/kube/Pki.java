package dev.lustrecsi.testing.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's throwaway PKI, made with openssl (argument lists, no shell): a CA; the API server's
 * serving certificate for 127.0.0.1; client certificates for cluster-admin ({@code O=system:masters}) and
 * for the controller manager ({@code CN=system:kube-controller-manager}, which RBAC's bootstrap roles name);
 * and the key pair that signs ServiceAccount tokens. Valid two days: long enough for any test run.
 */
record Pki(Path dir) {
    private static final String DAYS = "2";

    static Pki create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Pki pki = new Pki(dir);
        pki.openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                pki.caKey().toString(),
                "-out",
                pki.caCert().toString(),
                "-days",
                DAYS,
                "-subj",
                "/CN=lustre-csi-test-ca");
        Path serverExt = Files.writeString(
                dir.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
                        + "DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
        Path clientExt = Files.writeString(
                dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
        pki.signed("server", "/CN=kube-apiserver", serverExt);
        pki.signed("admin", "/O=system:masters/CN=lustre-csi-admin", clientExt);
        pki.signed("kube-controller-manager", "/CN=system:kube-controller-manager", clientExt);
        pki.openssl("genrsa", "-out", pki.serviceAccountKey().toString(), "2048");
        pki.openssl(
                "rsa",
                "-in",
                pki.serviceAccountKey().toString(),
                "-pubout",
                "-out",
                pki.serviceAccountPublicKey().toString());
        return pki;
    }

    private void signed(String name, String subject, Path ext) throws IOException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        openssl(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                subject);
        openssl(
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                caCert().toString(),
                "-CAkey",
                caKey().toString(),
                "-CAcreateserial",
                "-out",
                dir.resolve(name + ".crt").toString(),
                "-days",
                DAYS,
                "-extfile",
                ext.toString());
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("openssl " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running openssl", e);
        }
    }

    Path caCert() {
        return dir.resolve("ca.crt");
    }

    Path caKey() {
        return dir.resolve("ca.key");
    }

    Path serverCert() {
        return dir.resolve("server.crt");
    }

    Path serverKey() {
        return dir.resolve("server.key");
    }

    Path adminCert() {
        return dir.resolve("admin.crt");
    }

    Path adminKey() {
        return dir.resolve("admin.key");
    }

    Path controllerManagerCert() {
        return dir.resolve("kube-controller-manager.crt");
    }

    Path controllerManagerKey() {
        return dir.resolve("kube-controller-manager.key");
    }

    Path serviceAccountKey() {
        return dir.resolve("sa.key");
    }

    Path serviceAccountPublicKey() {
        return dir.resolve("sa.pub");
    }

    /** A kubeconfig that authenticates with a client certificate. */
    Path writeKubeconfig(Path file, String server, Path cert, Path key) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: user
                  user:
                    client-certificate: %s
                    client-key: %s
                contexts:
                - name: local
                  context:
                    cluster: local
                    user: user
                current-context: local
                """.formatted(server, caCert(), cert, key);
        try {
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
