package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller against the real operator (server-provisioner's reconciler) and its KubeVirt simulator on
 * the mock API server: the operator, not test code, brings filesystems up, scales them out and drains them. Here in
 * test/e2e, the module that depends on both, with csi-controller's own fixture (its test-jar); in package
 * dev.lustrecsi.controller because that fixture is package-private.
 */
class ControllerWithOperatorTest {
    private static final String NS = OperatorHarness.NAMESPACE;

    @TempDir
    Path tmp;

    private static Predicate<LustreFileSystem> settled(int osts) {
        return fs -> fs != null
                && fs.getStatus() != null
                && fs.getStatus().getPhase() == Phase.Ready
                && Integer.valueOf(osts).equals(fs.getStatus().getActiveOsts())
                && Integer.valueOf(osts).equals(fs.getStatus().getReadyOsts());
    }

    @Test
    void aDedicatedVolumeIsServedGrownAndRemovedByTheOperator() {
        String fsName = FileSystemSpecs.dedicatedFsName(NS, "pvc-ded");
        try (OperatorHarness h = new OperatorHarness(fsName);
                ControllerFixture f =
                        new ControllerFixture(h.client(), tmp.resolve("pools"), Duration.ofMillis(50), false)) {
            Map<String, String> p = dedicated("namespace", NS, "headroomPercent", "20");
            assertThatThrownBy(() ->
                            f.stub.createVolume(create("pvc-ded", 150 * GI, p).build()))
                    .has(status(Status.Code.UNAVAILABLE));
            LustreFileSystem ready = h.runUntil("pvc-ded", settled(2), 200);

            Volume v =
                    f.stub.createVolume(create("pvc-ded", 150 * GI, p).build()).getVolume();
            assertThat(v.getVolumeContextMap().get(VolumeContextKeys.MGS_NIDS))
                    .isEqualTo(String.join(":", ready.getStatus().getMgsNids()));
            assertThat(v.getVolumeContextMap()).containsEntry(VolumeContextKeys.FS_NAME, fsName);

            ControllerExpandVolumeRequest grow = ControllerExpandVolumeRequest.newBuilder()
                    .setVolumeId(v.getVolumeId())
                    .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(400 * GI))
                    .build();
            // The new size is answered only once the operator has the new OSTs Ready; the resizer retries until then.
            assertThatThrownBy(() -> f.stub.controllerExpandVolume(grow)).has(status(Status.Code.UNAVAILABLE));
            h.runUntil("pvc-ded", settled(5), 300);
            assertThat(f.stub.controllerExpandVolume(grow).getCapacityBytes()).isEqualTo(400 * GI);

            f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                    .setVolumeId(v.getVolumeId())
                    .build());
            h.runUntil("pvc-ded", fs -> fs == null, 300);
            assertThat(h.vmNames()).isEmpty();
        }
    }

    @Test
    void aSharedPoolIsScaledOutAndDrainedByTheOperatorAsVolumesComeAndGo() {
        try (OperatorHarness h = new OperatorHarness("simpool");
                ControllerFixture f =
                        new ControllerFixture(h.client(), tmp.resolve("pools"), Duration.ofMillis(50), true)) {
            Map<String, String> p = pool("simpool", "namespace", NS, "maxOsts", "8");
            assertThatThrownBy(() ->
                            f.stub.createVolume(create("pvc-0", 100 * GI, p).build()))
                    .has(status(Status.Code.UNAVAILABLE));
            // 100Gi + 20% on 100Gi OSTs: the pool starts with 2.
            LustreFileSystem pool = h.runUntil("simpool", settled(2), 200);
            List<Volume> volumes = new ArrayList<>();
            volumes.add(
                    f.stub.createVolume(create("pvc-0", 100 * GI, p).build()).getVolume());
            assertThat(volumes.get(0).getVolumeContextMap().get(VolumeContextKeys.MGS_NIDS))
                    .isEqualTo(String.join(":", pool.getStatus().getMgsNids()));

            for (int i = 1; i < 4; i++) {
                volumes.add(f.stub.createVolume(create("pvc-" + i, 100 * GI, p).build())
                        .getVolume());
            }
            // 400Gi + 20%: 5 OSTs, brought up by the operator while the pool keeps serving.
            assertThat(h.get("simpool").getSpec().getOstCount()).isEqualTo(5);
            h.runUntil("simpool", settled(5), 300);

            for (Volume v : volumes.subList(1, 4)) {
                f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .build());
            }
            // 100Gi left: with the hysteresis band (20% + 25%) the pool goes back to 2, and the operator drains 3.
            assertThat(h.get("simpool").getSpec().getOstCount()).isEqualTo(2);
            LustreFileSystem drained = h.runUntil("simpool", settled(2), 600);
            assertThat(drained.getStatus().getRetiredOstIndexes()).hasSize(3);
            assertThat(f.serverRoot(pool.getStatus().getMgsNids().get(0), "simpool")
                            .resolve("pvc-0"))
                    .isDirectory();
        }
    }
}
