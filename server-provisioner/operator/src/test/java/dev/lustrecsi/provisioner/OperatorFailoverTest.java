package dev.lustrecsi.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.sim.KubeVirtSimulator;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.provisioner.sim.SimulatedLustre;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three operator replicas, wired as OperatorMain wires them (a Lease each campaigns for; the reconcile loop starts
 * once leading and is gated on it), against the mock API server and a free-running KubeVirt simulator. The leader
 * is cut off from the API server while it bootstraps a filesystem: it stops (its process would exit), the other
 * replica takes over and finishes, and every server and disk exists exactly once.
 */
class OperatorFailoverTest {
    @Test
    void whenTheLeadingOperatorIsCutOffMidBootstrapTheOtherFinishesAndNothingIsDuplicated() throws Exception {
        try (MockCluster cluster = MockCluster.start();
                KubeVirtSimulator kubevirt = new KubeVirtSimulator(cluster.client(), "hpc").start(20)) {
            KubernetesClient client = cluster.client();
            SimulatedLustre lustre = new SimulatedLustre(client, "hpc", "lfs1");
            try (OperatorReplica a = new OperatorReplica(cluster, "a", lustre);
                    OperatorReplica b = new OperatorReplica(cluster, "b", lustre);
                    OperatorReplica c = new OperatorReplica(cluster, "c", lustre)) {
                // The replica that leads steadily (on a cold, loaded JVM a first Lease write can come too late and
                // its replica steps down at once, as it must; Kubernetes would restart that process).
                OperatorReplica leader = OperatorReplica.steadyLeader(List.of(a, b, c));
                cluster.create("hpc", Fixtures.tcp("demo", 2));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !cluster.vms("hpc").isEmpty());
                long cut = System.nanoTime();
                leader.lock.cutOff(true);

                await().atMost(OperatorReplica.FAST.takeoverBound().plusSeconds(10))
                        .until(() -> List.of(a, b, c).stream()
                                .anyMatch(r -> r != leader && r.operator != null && r.leadership.isLeading()));
                OperatorReplica other = List.of(a, b, c).stream()
                        .filter(r -> r != leader && r.operator != null && r.leadership.isLeading())
                        .findFirst()
                        .orElseThrow();
                System.out.printf(
                        "operator cut off mid-bootstrap: stopped after %d ms, the other leading after %d ms%n",
                        (leader.stoppedAt - cut) / 1_000_000, (other.ledAt - cut) / 1_000_000);
                assertThat(leader.stoppedAt).as("the cut-off leader stopped").isPositive();
                assertThat(leader.stoppedAt).isLessThan(other.ledAt);

                await().atMost(Duration.ofSeconds(120)).until(() -> cluster.phase("hpc", "demo") == Phase.Ready);
                assertThat(cluster.vms("hpc"))
                        .extracting(v -> v.getMetadata().getName())
                        .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1");
                // Every disk belongs to a server and every server's disk exists: none lost, none made twice.
                List<String> disks = client.persistentVolumeClaims().inNamespace("hpc").list().getItems().stream()
                        .map(p -> p.getMetadata().getName())
                        .sorted()
                        .toList();
                List<String> claimed = cluster.vms("hpc").stream()
                        .flatMap(v -> v.getSpec().getTemplate().getSpec().getVolumes().stream())
                        .filter(v -> v.getPersistentVolumeClaim() != null)
                        .map(v -> v.getPersistentVolumeClaim().getClaimName())
                        .sorted()
                        .toList();
                assertThat(disks).isNotEmpty().isEqualTo(claimed);
                assertThat(kubevirt.boots("demo-oss0"))
                        .as("no server booted twice")
                        .isEqualTo(1);
                assertThat(kubevirt.boots("demo-oss1")).isEqualTo(1);
                assertThat(kubevirt.boots("demo-mds0")).isEqualTo(1);
            }
        }
    }
}
