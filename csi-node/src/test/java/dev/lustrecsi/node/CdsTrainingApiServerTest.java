package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node image's class-data sharing training run (deploy/docker/node-cds-training.sh) has the plugin's API client
 * talk to CdsTrainingApiServer as it talks to an API server in a cluster: TLS verified against a CA file, a bearer
 * token, its Node read and patched. If the stand-in did not answer these, the archive would miss the classes every
 * start in a cluster loads, and no test but a slower start would say so.
 */
class CdsTrainingApiServerTest {
    @TempDir
    Path dir;

    private HttpsServer server;

    @BeforeEach
    void start() throws Exception {
        // As the training script makes the throwaway key and certificate.
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        run(List.of(
                keytool.toString(),
                "-genkeypair",
                "-keystore",
                dir.resolve("api.p12").toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "training",
                "-alias",
                "api",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2"));
        run(List.of(
                keytool.toString(),
                "-exportcert",
                "-rfc",
                "-keystore",
                dir.resolve("api.p12").toString(),
                "-storepass",
                "training",
                "-alias",
                "api",
                "-file",
                dir.resolve("ca.crt").toString()));
        server = CdsTrainingApiServer.start(dir.resolve("api.p12"), "training".toCharArray());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static void run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private KubernetesClient client(String token) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(
                                "https://127.0.0.1:" + server.getAddress().getPort())
                        .withCaCertFile(dir.resolve("ca.crt").toString())
                        .withOauthToken(token)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build();
    }

    @Test
    void answersThePluginsNodeGetAndPatchOverTlsTrustedThroughTheCaFile() {
        try (KubernetesClient client = client("training")) {
            Node node = client.nodes().withName("image-build").get();
            assertThat(node.getMetadata().getName()).isEqualTo("image-build");

            Node patched = client.nodes()
                    .withName("image-build")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"a\":\"b\"}}}");
            assertThat(patched.getMetadata().getName()).isEqualTo("image-build");

            assertThat(client.pods().inNamespace("default").withName("p").get())
                    .as("anything else is not found")
                    .isNull();
        }
    }

    @Test
    void refusesARequestWithoutABearerTokenAsAnApiServerDoes() {
        try (KubernetesClient client = client(null)) {
            assertThatThrownBy(() -> client.nodes().withName("image-build").get())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode())
                            .isEqualTo(401));
        }
    }
}
