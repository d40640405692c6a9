package dev.lustrecsi.testing.kube;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.AuthInfoBuilder;
import io.fabric8.kubernetes.api.model.Config;
import io.fabric8.kubernetes.api.model.ConfigBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
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
record Pki(KeyPair ca, KeyPair server, KeyPair admin, KeyPair controllerManager, KeyPair serviceAccount) {
    private static final String DAYS = "2";

    /**
     * PEM files: a certificate and its private key; for the ServiceAccount token signer, which has no certificate,
     * the bare public key.
     */
    record KeyPair(Path cert, Path key) {
        static KeyPair in(Path dir, String name) {
            return new KeyPair(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        }
    }

    static Pki create(Path dir) throws IOException {
        Files.createDirectories(dir);
        KeyPair ca = KeyPair.in(dir, "ca");
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                ca.key().toString(),
                "-out",
                ca.cert().toString(),
                "-days",
                DAYS,
                "-subj",
                "/CN=lustre-csi-test-ca");
        Path serverExt = Files.writeString(
                dir.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
                        + "DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n"
                        + "keyUsage=digitalSignature,keyEncipherment\n");
        Path clientExt = Files.writeString(
                dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
        KeyPair serviceAccount = new KeyPair(dir.resolve("sa.pub"), dir.resolve("sa.key"));
        openssl(dir, "genrsa", "-out", serviceAccount.key().toString(), "2048");
        openssl(
                dir,
                "rsa",
                "-in",
                serviceAccount.key().toString(),
                "-pubout",
                "-out",
                serviceAccount.cert().toString());
        return new Pki(
                ca,
                signed(dir, ca, "server", "/CN=kube-apiserver", serverExt),
                signed(dir, ca, "admin", "/O=system:masters/CN=lustre-csi-admin", clientExt),
                signed(dir, ca, "kube-controller-manager", "/CN=system:kube-controller-manager", clientExt),
                serviceAccount);
    }

    /** A key and a certificate for {@code subject} signed by {@code ca}, with the extensions in {@code ext}. */
    private static KeyPair signed(Path dir, KeyPair ca, String name, String subject, Path ext) throws IOException {
        KeyPair pair = KeyPair.in(dir, name);
        Path csr = dir.resolve(name + ".csr");
        openssl(
                dir,
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                pair.key().toString(),
                "-out",
                csr.toString(),
                "-subj",
                subject);
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                ca.cert().toString(),
                "-CAkey",
                ca.key().toString(),
                "-CAcreateserial",
                "-out",
                pair.cert().toString(),
                "-days",
                DAYS,
                "-extfile",
                ext.toString());
        return pair;
    }

    private static void openssl(Path dir, String... args) throws IOException {
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

    /** A kubeconfig that authenticates with a client certificate. */
    Path writeKubeconfig(Path file, String server, KeyPair user) {
        return writeKubeconfig(
                file,
                server,
                "user",
                new AuthInfoBuilder()
                        .withClientCertificate(user.cert().toString())
                        .withClientKey(user.key().toString())
                        .build(),
                null);
    }

    /**
     * A kubeconfig of one context: {@code server}, trusted through this CA, as {@code user} with {@code credentials},
     * in {@code namespace} (null: none).
     */
    Path writeKubeconfig(Path file, String server, String user, AuthInfo credentials, String namespace) {
        Config config = new ConfigBuilder()
                .withApiVersion("v1")
                .withKind("Config")
                .addNewCluster()
                .withName("local")
                .withNewCluster()
                .withServer(server)
                .withCertificateAuthority(ca.cert().toString())
                .endCluster()
                .endCluster()
                .addNewUser()
                .withName(user)
                .withUser(credentials)
                .endUser()
                .addNewContext()
                .withName("local")
                .withNewContext()
                .withCluster("local")
                .withUser(user)
                .withNamespace(namespace)
                .endContext()
                .endContext()
                .withCurrentContext("local")
                .build();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, Serialization.asYaml(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
