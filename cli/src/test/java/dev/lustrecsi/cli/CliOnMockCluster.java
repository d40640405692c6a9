package dev.lustrecsi.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the {@code kubectl lustre} tests: fabric8's mock API server in CRUD mode with the project's CRD, one
 * per test class, emptied before each test (a subclass's own {@code @BeforeEach} runs after this one).
 */
@EnableKubernetesMockClient(crud = true)
abstract class CliOnMockCluster {
    static KubernetesClient client;
    CliHarness cli;

    @BeforeEach
    void startFromAnEmptyCluster() throws Exception {
        cli = new CliHarness(client);
        cli.installCrd();
        cli.reset();
    }
}
