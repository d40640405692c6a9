package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * fabric8's mock API server in CRUD mode (objects are stored, listed, watched, patched), knowing the
 * LustreFileSystem and KubeVirt resources with their status subresources as a real cluster has them.
 */
public final class MockCluster implements AutoCloseable {
    private final KubernetesMockServer server;
    private KubernetesClient client;

    private MockCluster() {
        server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        Path crd = deployedCrd();
        if (crd != null) {
            // The CRD users install: the mock learns scope and status subresource from it.
            try (InputStream in = Files.newInputStream(crd)) {
                client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .resource(Serialization.unmarshal(in, CustomResourceDefinition.class))
                        .create();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            server.expectCustomResource(context(LustreFileSystem.class, true));
        }
        server.expectCustomResource(context(VirtualMachine.class, true));
        // KubeVirt's VMI CRD has no status subresource: virt-handler updates VMIs whole.
        server.expectCustomResource(context(VirtualMachineInstance.class, false));
    }

    /** deploy/crds/lustre.lustrecsi.dev_lustrefilesystems.yaml from the source tree, when the tests run in it. */
    static Path deployedCrd() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path crd = dir.resolve("deploy/crds/lustre.lustrecsi.dev_lustrefilesystems.yaml");
            if (Files.isRegularFile(crd)) {
                return crd;
            }
        }
        return null;
    }

    public static MockCluster start() {
        return new MockCluster();
    }

    private static CustomResourceDefinitionContext context(
            Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type, boolean statusSubresource) {
        io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext base =
                io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.fromResourceType(type);
        return new CustomResourceDefinitionContext.Builder()
                .withGroup(base.getGroup())
                .withVersion(base.getVersion())
                .withKind(base.getKind())
                .withPlural(base.getPlural())
                .withScope("Namespaced")
                .withStatusSubresource(statusSubresource)
                .build();
    }

    public KubernetesClient client() {
        return client;
    }

    /** Another client on the same server (an operator restarted with a fresh connection). */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    /** Creates the filesystem in {@code namespace} as a user would (no uid: the API server assigns it). */
    public LustreFileSystem create(String namespace, LustreFileSystem fs) {
        fs.getMetadata().setUid(null);
        return client.resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .resource(fs)
                .create();
    }

    /** The phase in the status of LustreFileSystem {@code namespace/name}; null while it has none (or is gone). */
    public Phase phase(String namespace, String name) {
        LustreFileSystem fs = client.resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
        return fs == null || fs.getStatus() == null ? null : fs.getStatus().getPhase();
    }

    /** The VirtualMachines in {@code namespace}. */
    public List<VirtualMachine> vms(String namespace) {
        return client.resources(VirtualMachine.class)
                .inNamespace(namespace)
                .list()
                .getItems();
    }

    @Override
    public void close() {
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // fabric8's mock server waits 10 s for its Vert.x server and throws after the test has passed (seen
            // under load, as MockKubernetesExtension does): its outcome is decided, a leaked mock port harms nothing.
            System.err.println("mock API server did not stop in time: " + e.getMessage());
        }
    }
}
