package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the controller's pod on a real control plane, as the chart deploys them: each its own controller
 * process and its own real external-provisioner and external-resizer (their Lease identity is their pod's hostname).
 * The leading pod (holder of all three Leases: the provisioner's, the resizer's and the controller's own) is killed
 * while its CreateVolume waits for a new pool; the other pod's sidecars and controller take the Leases over and the
 * claim is bound by the other replica: one volume record, one directory, one pool, one PV. The times from the kill
 * to each Lease changing hands and to the bound claim are printed (chart's default timings).
 */
@RealControlPlane
class ControllerReplicaTakeoverOnRealControlPlaneTest extends ClusterTest {
    /**
     * The sidecars' Lease with the chart's timings (137 s lease, 26 s retry) changes hands within about 137 s + 26 s
     * after the last renewal; the claim's CreateVolume follows. Generous for a loaded 2-core machine, not a
     * performance bound.
     */
    private static final Duration TAKEOVER_PATIENCE = Duration.ofMinutes(8);

    /** Lease name → holder identity, for the Leases in the driver's namespace. */
    private Map<String, String> holders() {
        Map<String, String> out = new TreeMap<>();
        for (Lease l : cluster.client()
                .leases()
                .inNamespace(LocalCluster.NAMESPACE)
                .list()
                .getItems()) {
            String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
            out.put(l.getMetadata().getName(), holder == null ? "" : holder);
        }
        return out;
    }

    /**
     * True when {@code holder} is a candidate of {@code pod}: external-resizer's identity is its hostname, the
     * controller's {@code <POD_NAME>_<random>}. (external-provisioner's is {@code <ms>-<random>-<driver>}, one per
     * process, naming no pod: see {@link #PROVISIONER_LEASE}.)
     */
    private static boolean of(String pod, String holder) {
        return holder.equals(pod) || holder.startsWith(pod + "_");
    }

    /** external-provisioner's Lease: the driver name with dots as dashes (csi-lib-utils sanitizeName). */
    private static final String PROVISIONER_LEASE = "lustre-csi-lustrecsi-dev";

    /**
     * The volume attribute external-provisioner adds to each PV it made (controller.go {@code provisionerIDKey}):
     * its identity, the one it holds its Lease under.
     */
    private static final String PROVISIONER_IDENTITY = "storage.kubernetes.io/csiProvisionerIdentity";

    /** The three Leases held, the ones naming a pod by {@code pod}. */
    private boolean allHeldBy(String pod) {
        Map<String, String> h = holders();
        return h.size() == 3
                && h.entrySet().stream()
                        .allMatch(e -> e.getKey().equals(PROVISIONER_LEASE)
                                ? !e.getValue().isEmpty()
                                : of(pod, e.getValue()));
    }

    @Test
    void whenTheLeadingControllerPodIsKilledMidCreateVolumeTheOtherReplicaTakesOverAndBindsTheClaimOnce()
            throws InterruptedException {
        // The first pod leads all three Leases before the second one starts campaigning.
        try {
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> allHeldBy(LocalCluster.CONTROLLER_POD));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "Leases: " + holders() + "\ncsi-provisioner:\n" + cluster.logTail("csi-provisioner", 30)
                            + "\ncsi-resizer:\n" + cluster.logTail("csi-resizer", 30),
                    e);
        }
        Map<String, String> before = holders();
        cluster.startSecondControllerPod();

        Story s = new Story(cluster, "takeover");
        // No operator: the first CreateVolume creates the pool and waits for it to become Ready.
        String volume = s.claimWhileTheNewPoolWaitsForTheOperator("first");
        assertThat(holders())
                .as("the first pod still leads: its CreateVolume is the one in flight")
                .isEqualTo(before);
        assertThat(s.provisioner.volumeOf("takeover", "first")).isEmpty();

        long killed = System.nanoTime();
        cluster.killControllerPod();
        cluster.startOperator();

        // Each Lease's takeover time, and the bound claim's.
        Map<String, Long> takenOver = new LinkedHashMap<>();
        Optional<PersistentVolume> pv = Optional.empty();
        long bound = -1;
        long deadline = killed + TAKEOVER_PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            holders().forEach((lease, holder) -> {
                // Only the second pod's candidates are left: a new holder is one of them.
                if (!holder.isEmpty() && !holder.equals(before.get(lease))) {
                    takenOver.putIfAbsent(lease, Duration.ofNanos(now - killed).toMillis());
                }
            });
            pv = s.provisioner.volumeOf("takeover", "first");
            if (pv.isPresent() && bound < 0) {
                bound = Duration.ofNanos(System.nanoTime() - killed).toMillis();
            }
            if (pv.isPresent() && takenOver.size() == 3) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(pv)
                .as(() -> "claim not bound %s after the kill; Leases %s; second pod's csi-provisioner:%n%s%n"
                                .formatted(TAKEOVER_PATIENCE, holders(), cluster.logTail("csi-provisioner-b", 30))
                        + "second pod's controller:\n" + cluster.logTail("csi-controller-b", 30))
                .isPresent();
        System.out.printf(
                "leading controller pod killed mid-CreateVolume: Leases taken over by the other replica after %s ms;"
                        + " claim bound by it %d ms after the kill (real control plane, chart timings)%n",
                takenOver, bound);

        // The other replica took over every Lease (the dead pod cannot renew) and did the work.
        assertThat(takenOver).hasSize(3);
        Map<String, String> after = holders();
        assertThat(after)
                .allSatisfy((lease, holder) -> assertThat(
                                lease.equals(PROVISIONER_LEASE) || of(LocalCluster.SECOND_CONTROLLER_POD, holder))
                        .as("%s held by %s", lease, holder)
                        .isTrue());
        assertThat(cluster.controller().isAlive()).isFalse();
        assertThat(cluster.secondController().isAlive()).isTrue();
        // csi-lib-utils holds the Lease under the identity sanitized as a Lease name (sanitizeName: every character
        // but [a-zA-Z0-9-] a dash), the PV carries it as it is.
        assertThat(pv.get()
                        .getSpec()
                        .getCsi()
                        .getVolumeAttributes()
                        .get(PROVISIONER_IDENTITY)
                        .replaceAll("[^a-zA-Z0-9-]", "-"))
                .as("the PV was made by the provisioner that took the Lease over")
                .isEqualTo(after.get(PROVISIONER_LEASE));
        // Nothing duplicated, nothing lost.
        s.assertTheOnlyVolume(pv.get(), volume);
    }
}
