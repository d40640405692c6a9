package dev.lustrecsi.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.sim.KubeVirtSimulator;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.provisioner.sim.SimulatedLustre;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevirt.v1.VirtualMachine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator's own threads and informers against the mock API server and a free-running KubeVirt simulator. */
class LustreOperatorTest {

    private static LustreOperator operator(MockCluster cluster, KubernetesClient client, SimulatedLustre lustre) {
        var reconciler = new LustreFileSystemReconciler(client, lustre, new EventRecorder(client), null);
        LustreOperator op = new LustreOperator(client, reconciler, "hpc", Duration.ofMillis(200));
        op.start();
        return op;
    }

    @Test
    void bootstrapsRecoversAndSurvivesARestartOnItsOwn() {
        try (MockCluster cluster = MockCluster.start();
                KubeVirtSimulator kubevirt = new KubeVirtSimulator(cluster.client(), "hpc").start(20)) {
            KubernetesClient client = cluster.client();
            SimulatedLustre lustre = new SimulatedLustre(client, "hpc", "lfs1");
            cluster.create("hpc", Fixtures.tcp("demo", 2));

            KubernetesClient first = cluster.newClient();
            LustreOperator op = operator(cluster, first, lustre);
            // Stop the first operator as soon as it has started creating servers.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !cluster.vms("hpc").isEmpty());
            op.close();
            first.close();

            KubernetesClient second = cluster.newClient();
            try (LustreOperator restarted = operator(cluster, second, lustre)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> cluster.phase("hpc", "demo") == Phase.Ready);
                assertThat(cluster.vms("hpc"))
                        .extracting(v -> v.getMetadata().getName())
                        .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1");

                client.resources(VirtualMachine.class)
                        .inNamespace("hpc")
                        .withName("demo-oss1")
                        .delete();
                // The recreated VM boots a fresh VMI (its old one belonged to the deleted VM's UID).
                await().atMost(Duration.ofSeconds(120))
                        .until(() ->
                                cluster.phase("hpc", "demo") == Phase.Degraded || kubevirt.boots("demo-oss1") >= 2);
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> cluster.phase("hpc", "demo") == Phase.Ready && kubevirt.boots("demo-oss1") == 2);
                assertThat(kubevirt.boots("demo-oss0")).isEqualTo(1);
            } finally {
                second.close();
            }
        }
    }
}
