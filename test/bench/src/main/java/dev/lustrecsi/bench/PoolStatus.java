package dev.lustrecsi.bench;

import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator reports when a filesystem's servers are up (phase Ready, MGS NIDs, active OSTs), written
 * by benchmark code for the benchmarks that measure the controller alone.
 */
final class PoolStatus {
    private PoolStatus() {}

    /**
     * Creates the pool {@code name} through its first volume ({@code first}): the controller answers UNAVAILABLE
     * until the operator reports the pool Ready, which this then does. The caller repeats {@code first} if it wants
     * the volume itself.
     */
    static void createReady(
            ControllerGrpc.ControllerBlockingStub stub,
            CreateVolumeRequest first,
            KubernetesClient client,
            String namespace,
            String name,
            String mgsNid) {
        try {
            stub.createVolume(first);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                throw e;
            }
        }
        markReady(client, namespace, name, mgsNid);
    }

    static LustreFileSystem markReady(KubernetesClient client, String namespace, String name, String mgsNid) {
        for (int attempt = 0; ; attempt++) {
            LustreFileSystem fs = client.resources(LustreFileSystem.class)
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            if (fs == null) {
                throw new IllegalStateException("LustreFileSystem " + namespace + "/" + name + " does not exist");
            }
            int osts = fs.getSpec().getOstCount();
            fs.getStatus().setPhase(Phase.Ready);
            fs.getStatus().setMgsNids(new ArrayList<>(List.of(mgsNid)));
            fs.getStatus().setActiveOsts(osts);
            fs.getStatus().setReadyOsts(osts);
            fs.getStatus().setCapacityBytes(osts * fs.getSpec().getOstSizeBytes());
            try {
                return client.resources(LustreFileSystem.class)
                        .inNamespace(namespace)
                        .resource(fs)
                        .updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 50) {
                    throw e;
                }
            }
        }
    }
}
