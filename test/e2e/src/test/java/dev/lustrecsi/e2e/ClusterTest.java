package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.testing.kube.RealControlPlane;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class with a local cluster of its own: started before its first test, stopped and removed after its last
 * (also when a test or a subclass's own {@code @BeforeAll} failed). A subclass that wants another cluster (on a
 * real control plane where available, without the pool's StorageClass) overrides {@link #startCluster}; its own
 * {@code @BeforeAll} methods run after the cluster is up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterTest {
    LocalCluster cluster;

    /**
     * Starts this class's cluster with the pool's StorageClass: on the mock API server, or for a class marked
     * {@link RealControlPlane} (skipped where the binaries are absent) on a real control plane of its own (the
     * JVM's shared one keeps the chart, pool and Leases of earlier clusters in the same namespace).
     */
    LocalCluster startCluster() {
        String name = getClass().getSimpleName();
        return needsRealControlPlane()
                ? Story.startClusterOnRealControlPlaneIfAvailable(name)
                : Story.startCluster(name);
    }

    private boolean needsRealControlPlane() {
        return getClass().isAnnotationPresent(RealControlPlane.class);
    }

    @BeforeAll
    final void startTheCluster() {
        cluster = startCluster();
        if (needsRealControlPlane()) {
            assertThat(cluster.realControlPlane()).as("a real control plane").isTrue();
        }
    }

    @AfterAll
    final void stopTheCluster() {
        Story.stopCluster(cluster);
    }
}
