package dev.lustrecsi.node;

import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's mock API server in CRUD mode (objects are stored, listed and patched) with a client for it.
 * The mock evaluates field selectors on metadata only; like the real API server it here also selects
 * pods by {@code spec.nodeName}, the selector kubelet and this plugin list "pods on my node" with.
 */
final class MockApi implements AutoCloseable {
    private final KubernetesMockServer server;
    final KubernetesClient client;

    MockApi() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new PodsByNode(), false);
        server.init();
        client = server.createClient();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }

    private static final class PodsByNode extends KubernetesCrudDispatcher {
        private static final Pattern NODE = Pattern.compile("fieldSelector=spec\\.nodeName(?:%3D|=)([^&]+)");

        @Override
        public MockResponse handleGet(String path) {
            Matcher m = NODE.matcher(path);
            if (!path.contains("/pods") || !m.find()) {
                return super.handleGet(path);
            }
            String node = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            String rest = path.replace(m.group(0), "")
                    .replace("?&", "?")
                    .replace("&&", "&")
                    .replaceAll("[?&]$", "");
            MockResponse response = super.handleGet(rest);
            if (response.code() != 200) {
                return response;
            }
            PodList pods = Serialization.unmarshal(
                    new String(response.getBody().getBytes(), StandardCharsets.UTF_8), PodList.class);
            pods.setItems(pods.getItems().stream()
                    .filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
                    .toList());
            return response.setBody(Serialization.asJson(pods));
        }
    }
}
