package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The controller's pod (the leader of its Lease, with the real external-provisioner and external-resizer beside
 * it) is killed while CreateVolume waits for a new pool, on a real control plane. The replacement pod's
 * provisioner retries the same claim: one volume, one pool, one PV, nothing orphaned. The time from the kill to
 * the bound claim is printed (it includes the pool's bootstrap, which was waiting for the operator).
 */
@RealControlPlane
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerPodKilledOnRealControlPlaneTest {
    private LocalCluster cluster;

    /**
     * A control plane of its own (the JVM's shared one keeps the chart, pool and Leases of earlier clusters in the
     * same namespace); {@link RealControlPlane} skips the test where the binaries are absent.
     */
    @BeforeAll
    void start() throws IOException {
        cluster = LocalCluster.startOnRealControlPlaneIfAvailable(
                Files.createTempDirectory("lustre-csi-e2e-controller-killed-"), LocalCluster.Settings.defaults());
        assertThat(cluster.realControlPlane()).isTrue();
        cluster.applyStorageClass(Map.of());
    }

    @AfterAll
    void stop() {
        Story.stopCluster(cluster);
    }

    private String tail(String component) {
        try {
            List<String> lines = Files.readAllLines(cluster.home().resolve("logs/" + component + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void theControllerPodKilledWhileCreateVolumeWaitsForANewPoolLeavesOneVolumeAndOnePool() {
        Story s = new Story(cluster, "killed");
        // No operator yet: the first CreateVolume creates the pool and waits for it to become Ready.
        cluster.killOperator();
        s.claim("100Gi", "first");
        String volume = "pvc-"
                + cluster.client()
                        .persistentVolumeClaims()
                        .inNamespace("killed")
                        .withName("first")
                        .get()
                        .getMetadata()
                        .getUid();
        // The real provisioner first waits for its Lease; on a loaded machine that took more than Story's 2 minutes.
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.pool() != null && s.ledger().containsKey(volume));

        long killed = System.nanoTime();
        cluster.killControllerPod();
        cluster.startControllerPod();
        cluster.startOperator();
        // The real provisioner retries with its exponential backoff while the pool bootstraps: more patience than
        // Story's in-process provisioner needs.
        PersistentVolume pv;
        try {
            pv = await().atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> s.provisioner.volumeOf("killed", "first"), Optional::isPresent)
                    .orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "not bound; csi-provisioner log:\n" + tail("csi-provisioner") + "\ncontroller log:\n"
                            + tail("csi-controller"),
                    e);
        }
        System.out.printf(
                "controller pod killed mid-CreateVolume: claim bound %d ms after the kill (real control plane)%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());

        s.assertTheOnlyVolume(pv, volume);
    }
}
