package dev.lustrecsi.testing.kube;

import dev.lustrecsi.testing.junit.TestFields;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link MockKubernetes}. */
public final class MockKubernetesExtension implements BeforeEachCallback, AfterEachCallback {
    private static final Logger LOG = LoggerFactory.getLogger(MockKubernetesExtension.class);
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(MockKubernetesExtension.class);

    private record Api(KubernetesMockServer server, KubernetesClient client) {}

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        // As fabric8's crud = true: CRUD, and expectations a test adds (server.expect()) answered first.
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), expectations, new KubernetesMixedDispatcher(expectations), false);
        server.init();
        KubernetesClient client = server.createClient();
        context.getStore(NS).put(Api.class, new Api(server, client));
        Object instance = context.getRequiredTestInstance();
        TestFields.set(instance, KubernetesClient.class, client);
        TestFields.set(instance, KubernetesMockServer.class, server);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Api api = context.getStore(NS).remove(Api.class, Api.class);
        if (api == null) {
            return;
        }
        // An open watch (an informer the test did not stop) would otherwise keep a connection to the server.
        api.client().close();
        try {
            api.server().destroy();
        } catch (IllegalStateException e) {
            // The mock's Vert.x server did not close in 10 s. The test's own outcome is already decided; a leaked
            // mock server on an ephemeral port harms nothing after it.
            LOG.warn("{}: the mock API server did not stop in time: {}", context.getDisplayName(), e.getMessage());
        }
    }
}
