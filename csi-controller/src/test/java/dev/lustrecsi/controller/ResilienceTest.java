package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bursts, concurrent duplicates, retries and controller restarts on shared pools. */
@ControllerOnMockApi(readyWaitMillis = 20000, mounts = true)
class ResilienceTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void tearDown() throws Exception {
        pool.shutdownNow();
        Files.deleteIfExists(f.standIns.stateDirectory().resolve("down/lfs"));
        Files.deleteIfExists(f.standIns.stateDirectory().resolve("down/lfs-setquota"));
    }

    private <T> List<T> all(List<Future<T>> futures) throws Exception {
        List<T> out = new ArrayList<>();
        for (Future<T> fut : futures) {
            out.add(fut.get());
        }
        return out;
    }

    @Test
    void aPoolGrowsAndShrinksWithABurstOfCreatesAndDeletesWithoutFlapping() throws Exception {
        Map<String, String> params = pool("burst");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("burst", "10.2.0.1@tcp"))) {
            List<Future<Volume>> creates = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                CreateVolumeRequest req = create("pvc-" + i, 20 * GI, params).build();
                creates.add(pool.submit(() -> f.stub.createVolume(req).getVolume()));
            }
            List<Volume> volumes = all(creates);

            // 30 x 20Gi = 600Gi, +20% headroom on 100Gi OSTs -> 8 OSTs.
            assertThat(f.fileSystem("burst").orElseThrow().getSpec().getOstCount())
                    .isEqualTo(8);
            Map<String, VolumeRecord> ledger = f.records("burst");
            assertThat(ledger).hasSize(30);
            assertThat(ledger.values().stream().map(VolumeRecord::projectId).distinct())
                    .hasSize(30);
            Path server = f.serverRoot("10.2.0.1@tcp", "burst");
            try (Stream<Path> dirs = Files.list(server)) {
                assertThat(dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("pvc-")))
                        .hasSize(30);
            }
            await().until(() -> operator.ostCountHistory("burst").contains(8));
            List<Integer> growth = operator.ostCountHistory("burst");
            assertThat(growth).isSorted();

            List<Future<Object>> deletes = new ArrayList<>();
            for (Volume v : volumes.subList(0, 25)) {
                deletes.add(pool.submit(() -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .build())));
            }
            all(deletes);

            // 100Gi left: shrinking keeps 20% + 25% band -> 145Gi -> 2 OSTs (not 1, which growth would accept). Each
            // step down waits until the operator reports the previous one done (scale-in only after drain), so the
            // last steps come from later passes: the periodic re-plan, run here as the leader's round would.
            await().until(() -> {
                f.kinds.shared().reconcileAllPools();
                return f.fileSystem("burst").orElseThrow().getSpec().getOstCount() == 2;
            });
            assertThat(f.records("burst")).hasSize(5);
            await().until(() -> operator.ostCountHistory("burst")
                            .get(operator.ostCountHistory("burst").size() - 1)
                    == 2);
            List<Integer> history = operator.ostCountHistory("burst");
            List<Integer> shrink = history.subList(history.indexOf(8), history.size());
            assertThat(shrink).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
            assertThat(history).allMatch(c -> c >= 1 && c <= 10);
            System.out.println("burst: spec.ostCount as written: " + history);
        }
    }

    @Test
    void concurrentDuplicatesGetOneVolume() throws Exception {
        Map<String, String> params = pool("dup");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("dup", "10.2.0.2@tcp"))) {
            CreateVolumeRequest req = create("pvc-same", 7 * GI, params).build();
            List<Future<Volume>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(pool.submit(() -> f.stub.createVolume(req).getVolume()));
            }
            List<Volume> volumes = all(calls);
            assertThat(volumes).allMatch(v -> v.equals(volumes.get(0)));
            assertThat(f.records("dup")).containsOnlyKeys("pvc-same");
            assertThat(f.fileSystems()).hasSize(1);
            // A retry later is the same volume too.
            assertThat(f.stub.createVolume(req).getVolume()).isEqualTo(volumes.get(0));
            // Same name, different parameters or a larger size: ALREADY_EXISTS, nothing changed.
            assertThatThrownBy(() -> f.stub.createVolume(create("pvc-same", 7 * GI, pool("dup", "stripeCount", "4"))
                            .build()))
                    .has(status(Status.Code.ALREADY_EXISTS));
            assertThatThrownBy(() -> f.stub.createVolume(
                            create("pvc-same", 8 * GI, params).build()))
                    .has(status(Status.Code.ALREADY_EXISTS));
            // A repeat whose limit is below the existing size cannot be answered with it either.
            assertThatThrownBy(() -> f.stub.createVolume(create("pvc-same", GI, params)
                            .setCapacityRange(dev.lustrecsi.csi.v1.CapacityRange.newBuilder()
                                    .setRequiredBytes(GI)
                                    .setLimitBytes(2 * GI))
                            .build()))
                    .has(status(Status.Code.ALREADY_EXISTS));
            assertThat(f.stub.createVolume(create("pvc-same", GI, params)
                                    .setCapacityRange(dev.lustrecsi.csi.v1.CapacityRange.newBuilder()
                                            .setRequiredBytes(GI)
                                            .setLimitBytes(7 * GI))
                                    .build())
                            .getVolume()
                            .getCapacityBytes())
                    .isEqualTo(7 * GI);
            assertThat(f.records("dup").get("pvc-same").capacityBytes()).isEqualTo(7 * GI);
        }
    }

    @Test
    void twoControllerReplicasNeverHandOutTheSameProjectId() throws Exception {
        Map<String, String> params = pool("twin");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("twin", "10.2.0.3@tcp"));
                ControllerFixture other = new ControllerFixture(client, f.mountRoot, Duration.ofSeconds(20), true)) {
            f.stub.createVolume(create("pvc-seed", GI, params).build());
            List<Future<Volume>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                ControllerFixture which = i % 2 == 0 ? f : other;
                CreateVolumeRequest req = create("pvc-r" + i, GI, params).build();
                calls.add(pool.submit(() -> which.stub.createVolume(req).getVolume()));
            }
            all(calls);
            Map<String, VolumeRecord> ledger = f.records("twin");
            assertThat(ledger).hasSize(17);
            assertThat(ledger.values().stream().map(VolumeRecord::projectId).collect(Collectors.toSet()))
                    .hasSize(17);
            for (Map.Entry<String, VolumeRecord> e : ledger.entrySet()) {
                assertThat(f.projectOf(f.poolMount("twin").resolve(e.getKey())).projectId())
                        .isEqualTo(e.getValue().projectId());
            }
        }
    }

    @Test
    void aRestartMidCreateResumesTheSameVolumeWithTheSameProjectId() throws Exception {
        Map<String, String> params = pool("resume");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("resume", "10.2.0.4@tcp"))) {
            f.stub.createVolume(create("pvc-first", GI, params).build());
            // Setting the quota fails after the id was reserved and the directory made: the call stops half-way.
            Files.writeString(f.standIns.stateDirectory().resolve("down/lfs-setquota"), "");
            assertThatThrownBy(() -> f.stub.createVolume(
                            create("pvc-mid", 3 * GI, params).build()))
                    .has(status(Status.Code.INTERNAL));
            VolumeRecord reserved = f.records("resume").get("pvc-mid");
            assertThat(reserved.state()).isEqualTo(VolumeState.Creating);

            assertThat(f.serverRoot("10.2.0.4@tcp", "resume").resolve("pvc-mid"))
                    .isDirectory();

            f.restart();
            Files.delete(f.standIns.stateDirectory().resolve("down/lfs-setquota"));
            Volume v = f.stub.createVolume(create("pvc-mid", 3 * GI, params).build())
                    .getVolume();

            assertThat(v.getVolumeId()).endsWith(":pvc-mid");
            VolumeRecord done = f.records("resume").get("pvc-mid");
            assertThat(done.projectId()).isEqualTo(reserved.projectId());
            assertThat(done.state()).isEqualTo(VolumeState.Ready);
            assertThat(f.projectOf(f.poolMount("resume").resolve("pvc-mid")).projectId())
                    .isEqualTo(reserved.projectId());
            assertThat(f.quotaOf(reserved.projectId(), f.poolMount("resume")).hardLimitBytes())
                    .isEqualTo(3 * GI);
            assertThat(f.records("resume")).hasSize(2);
            // The restarted controller found its pool mount in the mount table instead of mounting again.
            assertThat(f.lustreMountCalls()).hasSize(1);
        }
    }

    @Test
    void projectIdsStayUniqueAcrossRestartsAndFreedOnesAreReused() throws Exception {
        Map<String, String> params = pool("ids");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("ids", "10.2.0.5@tcp"))) {
            Volume a = f.stub.createVolume(create("pvc-a", GI, params).build()).getVolume();
            Volume b = f.stub.createVolume(create("pvc-b", GI, params).build()).getVolume();
            f.restart();
            f.stub.createVolume(create("pvc-c", GI, params).build());
            Map<String, VolumeRecord> ledger = f.records("ids");
            assertThat(ledger.values().stream().map(VolumeRecord::projectId).distinct())
                    .hasSize(3);
            long aId = ledger.get("pvc-a").projectId();

            f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                    .setVolumeId(a.getVolumeId())
                    .build());
            f.restart();
            // A change to a record above the freed id (here a resize) must not hide the freed id from the next create.
            f.stub.controllerExpandVolume(dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest.newBuilder()
                    .setVolumeId(b.getVolumeId())
                    .setCapacityRange(
                            dev.lustrecsi.csi.v1.CapacityRange.newBuilder().setRequiredBytes(2 * GI))
                    .build());
            f.stub.createVolume(create("pvc-d", GI, params).build());
            assertThat(f.records("ids").get("pvc-d").projectId()).isEqualTo(aId);
            assertThat(f.records("ids").values().stream()
                            .map(VolumeRecord::projectId)
                            .distinct())
                    .hasSize(3);
        }
    }

    @Test
    void anAdminDirectoryCarryingAProjectIdIsNeverGivenToAVolume() throws Exception {
        Map<String, String> params = pool("admin");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("admin", "10.2.0.6@tcp"))) {
            f.stub.createVolume(create("pvc-1", GI, params).build());
            // An admin made a directory with project 1001 (the next free id) by hand.
            Path manual = Files.createDirectory(f.poolMount("admin").resolve("scratch-by-hand"));
            f.runner.runChecked(
                    new dev.lustrecsi.lustre.LfsCommands(f.tools).setProject(1001, manual.toString()),
                    Duration.ofSeconds(10));
            f.stub.createVolume(create("pvc-2", GI, params).build());
            assertThat(f.records("admin").get("pvc-2").projectId()).isNotEqualTo(1001);
        }
    }

    @Test
    void aRestartMidDeleteFinishesTheDeleteAndCreatesWaitForIt() throws Exception {
        Map<String, String> params = pool("undo");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("undo", "10.2.0.7@tcp"))) {
            Volume v = f.stub.createVolume(create("pvc-gone", 4 * GI, params).build())
                    .getVolume();
            long id = f.records("undo").get("pvc-gone").projectId();
            Files.writeString(f.standIns.stateDirectory().resolve("down/lfs"), "");
            assertThatThrownBy(() -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                            .setVolumeId(v.getVolumeId())
                            .build()))
                    .has(status(Status.Code.INTERNAL));
            assertThat(f.records("undo").get("pvc-gone").state()).isEqualTo(VolumeState.Deleting);
            // A create under the same name must not resurrect a half-deleted volume.
            assertThatThrownBy(() -> f.stub.createVolume(
                            create("pvc-gone", 4 * GI, params).build()))
                    .has(status(Status.Code.ABORTED));

            f.restart();
            Files.delete(f.standIns.stateDirectory().resolve("down/lfs"));
            f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                    .setVolumeId(v.getVolumeId())
                    .build());

            assertThat(f.records("undo")).isEmpty();
            assertThat(f.serverRoot("10.2.0.7@tcp", "undo").resolve("pvc-gone")).doesNotExist();
            assertThat(f.quotaOf(id, f.poolMount("undo")).hardLimitBytes()).isZero();
        }
    }

    @Test
    void periodicReconcileRepairsAPoolSizeChangedBehindTheControllersBack() throws Exception {
        Map<String, String> params = pool("heal");
        try (OperatorStandIn operator = new OperatorStandIn(client, Map.of("heal", "10.2.0.8@tcp"))) {
            IntStream.range(0, 3)
                    .forEach(i -> f.stub.createVolume(
                            create("pvc-" + i, 100 * GI, params).build()));
            assertThat(f.fileSystem("heal").orElseThrow().getSpec().getOstCount())
                    .isEqualTo(4);
            new LustreFileSystems(client).update(ControllerFixture.NAMESPACE, "heal", fs -> {
                fs.getSpec().setOstCount(1);
                return fs;
            });
            f.restart();
            f.kinds.shared().reconcileAllPools();
            assertThat(f.fileSystem("heal").orElseThrow().getSpec().getOstCount())
                    .isEqualTo(4);
        }
    }
}
