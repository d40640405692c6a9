package dev.lustrecsi.e2e;

import static org.awaitility.Awaitility.await;

import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The controller's pod (the leader of its Lease, with the real external-provisioner and external-resizer beside
 * it) is killed while CreateVolume waits for a new pool, on a real control plane. The replacement pod's
 * provisioner retries the same claim: one volume, one pool, one PV, nothing orphaned. The time from the kill to
 * the bound claim is printed (it includes the pool's bootstrap, which was waiting for the operator).
 */
@RealControlPlane
class ControllerPodKilledOnRealControlPlaneTest extends ClusterTest {
    @Test
    void theControllerPodKilledWhileCreateVolumeWaitsForANewPoolLeavesOneVolumeAndOnePool() {
        Story s = new Story(cluster, "killed");
        // No operator yet: the first CreateVolume creates the pool and waits for it to become Ready.
        String volume = s.claimWhileTheNewPoolWaitsForTheOperator("first");

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
                    "not bound; csi-provisioner log:\n" + cluster.logTail("csi-provisioner", 40) + "\ncontroller log:\n"
                            + cluster.logTail("csi-controller", 40),
                    e);
        }
        System.out.printf(
                "controller pod killed mid-CreateVolume: claim bound %d ms after the kill (real control plane)%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());

        s.assertTheOnlyVolume(pv, volume);
    }
}
