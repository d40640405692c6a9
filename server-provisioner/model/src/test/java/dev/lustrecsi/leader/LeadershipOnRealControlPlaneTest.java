package dev.lustrecsi.leader;

import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link LeadershipTest} on a real kube-apiserver: the Lease as coordination.k8s.io/v1 stores it (optimistic
 * concurrency on resourceVersion, MicroTime renewals), each replica with its own HTTPS connection. The takeover
 * times it prints are the ones the README reports.
 */
@RealControlPlane
class LeadershipOnRealControlPlaneTest extends LeadershipTest {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static ControlPlane plane;

    @BeforeAll
    static void plane(ControlPlane cp) {
        plane = cp;
    }

    @Override
    void startApiServer() {
        ns = "leader-election-" + NAMESPACES.incrementAndGet();
        plane.adminClient()
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .create();
    }

    @Override
    void stopApiServer() {
        // The control plane is the JVM's; each test has its own namespace.
    }

    @Override
    KubernetesClient connect() {
        return new KubernetesClientBuilder().withConfig(plane.adminConfig()).build();
    }
}
