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
            // At 200Gi (20% + 25% band: 290Gi) the pool is lowered to 3; the last delete (100Gi left) lowers nothing
            // while the operator still drains those 2 OSTs: scale-in only after drain.
            assertThat(h.get("simpool").getSpec().getOstCount()).isEqualTo(3);
            LustreFileSystem firstStep = h.runUntil("simpool", settled(3), 600);
            assertThat(firstStep.getStatus().getRetiredOstIndexes()).hasSize(2);
            assertThat(h.get("simpool").getSpec().getOstCount()).isEqualTo(3);
            // The periodic re-plan on the settled pool takes the next step, to 2 (145Gi with the band).
            f.kinds.shared().reconcileAllPools();
            assertThat(h.get("simpool").getSpec().getOstCount()).isEqualTo(2);
            LustreFileSystem drained = h.runUntil("simpool", settled(2), 600);
            assertThat(drained.getStatus().getRetiredOstIndexes()).hasSize(3);
            assertThat(f.serverRoot(pool.getStatus().getMgsNids().get(0), "simpool")
                            .resolve("pvc-0"))
                    .isDirectory();
        }
    }

    @Test
    void aBurstOfClaimsThenMostDeletedEndsWithinTheBandWithoutFlappingOrRefusals() throws Exception {
        // The OST size chosen from the pool's stated demand: 1200Gi over at most 40 OSTs -> 30Gi OSTs.
        // The production defaults: 10% headroom (set: the test kit's pools use 20) and a 10% shrink band.
        Map<String, String> p =
                pool("burst", "namespace", NS, "maxOsts", "40", "headroomPercent", "10", "maxPoolSize", "1200Gi");
        p.remove("ostSize");
        try (OperatorHarness h = new OperatorHarness("burst");
                ControllerFixture f =
                        new ControllerFixture(h.client(), tmp.resolve("pools"), Duration.ofMillis(50), true, 10)) {
            List<Integer> history = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            // The operator and the simulator run on their own, as in a cluster, while the claims come and go.
            Thread operator = new Thread(() -> {
                while (running.get()) {
                    try {
                        LustreFileSystem fs = h.get("burst");
                        if (fs != null) {
                            int count = fs.getSpec().getOstCount();
                            if (history.isEmpty() || history.get(history.size() - 1) != count) {
                                history.add(count);
                            }
                            h.run("burst", 1);
                        }
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // A conflicting write with the controller: the next pass reads again.
                    }
                }
            });
            operator.start();
            long[] left = new long[1];
            try {
                java.util.Random random = new java.util.Random(15);
                List<Volume> volumes = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    long size = (5 + 5L * random.nextInt(10)) * GI;
                    volumes.add(createRetryingWhileThePoolGrows(
                            f, create("pvc-" + i, size, p).build()));
                }
                assertThat(h.get("burst").getSpec().getOstSizeBytes()).isEqualTo(30 * GI);
                java.util.Collections.shuffle(volumes, random);
                for (Volume v : volumes.subList(0, 32)) {
                    f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                            .setVolumeId(v.getVolumeId())
                            .build());
                }
                // Each step down waits for the previous drain; the periodic re-plan (the leader's round) goes on.
                left[0] = volumes.subList(32, 40).stream()
                        .mapToLong(Volume::getCapacityBytes)
                        .sum();
                int band = (int) Math.ceil(left[0] * 1.20 / (30.0 * GI));
                org.awaitility.Awaitility.await()
                        .atMost(Duration.ofMinutes(5))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            f.kinds.shared().reconcileAllPools();
                            return settled(band).test(h.get("burst"))
                                    && h.get("burst").getSpec().getOstCount() == band;
                        });
            } finally {
                running.set(false);
                operator.join(10_000);
            }
            LustreFileSystem end = h.get("burst");
            long requested = left[0];
            long provisioned =
                    (long) end.getStatus().getActiveOsts() * end.getSpec().getOstSizeBytes();
            // Within the band: requests + 10% headroom at least, and no OST more than requests + 10% + 10% band need.
            assertThat(provisioned).isGreaterThanOrEqualTo((long) (requested * 1.10));
            assertThat(provisioned - 30 * GI).isLessThan((long) (requested * 1.20));
            assertThat(end.getStatus().getRetiredOstIndexes()).isNotEmpty();
            // One grow phase, one shrink phase: the count never went back up after it started to come down.
            int reversals = 0;
            int last = 0;
            List<Integer> counts = List.copyOf(history);
            for (int i = 1; i < counts.size(); i++) {
                int d = Integer.signum(counts.get(i) - counts.get(i - 1));
                if (d != 0 && last != 0 && d != last) {
                    reversals++;
                }
                last = d == 0 ? last : d;
            }
            assertThat(reversals).as("spec.ostCount history %s", counts).isLessThanOrEqualTo(1);
            System.out.printf(
                    "burst: %d bytes requested, %d provisioned (%.2f), spec.ostCount history %s%n",
                    requested, provisioned, (double) provisioned / requested, counts);
        }
    }

    /**
     * CreateVolume as the external-provisioner retries it: UNAVAILABLE or ABORTED while the pool grows; never
     * refused.
     */
    private static Volume createRetryingWhileThePoolGrows(
            ControllerFixture f, dev.lustrecsi.csi.v1.CreateVolumeRequest request) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            try {
                return f.stub.createVolume(request).getVolume();
            } catch (io.grpc.StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if ((code != Status.Code.UNAVAILABLE && code != Status.Code.ABORTED) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
