package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeResponse;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shared-pool volumes end to end: pool on first use, directories with project quotas, expansion, deletion. */
@ControllerOnMockApi(readyWaitMillis = 200, mounts = true)
class SharedPoolTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    /** Creates the pool through a first volume, marks it Ready as the operator would, and returns that volume. */
    private Volume firstVolume(String pool, String nid, String name, long bytes, Map<String, String> params) {
        assertThatThrownBy(() -> f.stub.createVolume(create(name, bytes, params).build()))
                .has(status(Status.Code.UNAVAILABLE));
        f.markReady(pool, nid);
        return f.stub.createVolume(create(name, bytes, params).build()).getVolume();
    }

    @Test
    void firstVolumeCreatesThePoolWaitsForItAndGetsADirectoryWithItsProjectQuota() throws Exception {
        Map<String, String> params = pool("alpha", "stripeCount", "2", "stripeSize", "1Mi", "mountOptions", "flock");
        StatusRuntimeException pending = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(create("pvc-a", 30 * GI, params).build()));
        assertThat(pending.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(pending.getStatus().getDescription()).contains("alpha").contains("reserved");
        LustreFileSystem created = f.fileSystem("alpha").orElseThrow();
        assertThat(created.getSpec().getFsName()).isEqualTo("alpha");
        assertThat(created.getSpec().getOstCount()).isEqualTo(1);
        assertThat(created.getSpec().getScalePolicy().getMaxOsts()).isEqualTo(10);
        assertThat(created.getMetadata().getLabels()).containsEntry(LustreFileSystems.LABEL_ROLE, "pool");

        // A retry while the pool is still provisioning waits again; it never makes a second pool or volume.
        assertThatThrownBy(() ->
                        f.stub.createVolume(create("pvc-a", 30 * GI, params).build()))
                .has(status(Status.Code.UNAVAILABLE));
        assertThat(f.fileSystems()).hasSize(1);
        assertThat(f.records("alpha")).containsOnlyKeys("pvc-a");

        f.markReady("alpha", "10.1.0.1@tcp");
        Volume v = f.stub.createVolume(create("pvc-a", 30 * GI, params).build()).getVolume();

        assertThat(v.getVolumeId()).isEqualTo("v1:" + NAMESPACE + ":alpha:alpha:pvc-a");
        assertThat(v.getCapacityBytes()).isEqualTo(30 * GI);
        assertThat(v.getVolumeContextMap())
                .containsEntry(VolumeContextKeys.MGS_NIDS, "10.1.0.1@tcp")
                .containsEntry(VolumeContextKeys.FS_NAME, "alpha")
                .containsEntry(VolumeContextKeys.SUBDIR, "pvc-a")
                .containsEntry(VolumeContextKeys.NETWORK, "tcp")
                .containsEntry(VolumeContextKeys.MOUNT_OPTIONS, "flock");
        assertThat(v.getAccessibleTopologyList()).hasSize(1);
        assertThat(v.getAccessibleTopology(0).getSegmentsMap())
                .containsExactly(Map.entry(DriverNames.TOPOLOGY_LNET_TCP, "true"));

        // The directory exists on the filesystem itself (what every node's mount of the pool shows).
        Path onServer = f.serverRoot("10.1.0.1@tcp", "alpha").resolve("pvc-a");
        assertThat(onServer).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(onServer)))
                .isEqualTo("rwxrwxrwx");
        Path dir = f.poolMount("alpha").resolve("pvc-a");
        long projectId = f.records("alpha").get("pvc-a").projectId();
        assertThat(f.projectOf(dir)).isEqualTo(new LfsCommands.ProjectEntry(projectId, true, dir.toString()));
        assertThat(f.quotaOf(projectId, f.poolMount("alpha")).hardLimitBytes()).isEqualTo(30 * GI);
        assertThat(f.stripeOf(dir)).contains("stripe_count:  2").contains("stripe_size:   1048576");
        assertThat(f.records("alpha").get("pvc-a").state()).isEqualTo(VolumeState.Ready);
        // One client mount of the whole pool, held by the controller.
        assertThat(f.lustreMountCalls())
                .hasSize(1)
                .first()
                .asString()
                .contains("source=10.1.0.1@tcp:/alpha ")
                .contains("target=" + f.poolMount("alpha"));
    }

    @Test
    void aProjectIdInUseOnThePoolIsNotHandedOutEvenWhenTheLedgerDoesNotKnowIt() {
        Map<String, String> params = pool("zeta");
        firstVolume("zeta", "10.1.0.9@tcp", "pvc-1", 10 * GI, params);
        long first = f.records("zeta").get("pvc-1").projectId();
        // An admin's directory (or one left behind) carrying the next id, with a file in it.
        Path foreign = f.poolMount("zeta").resolve("admin-scratch");
        try {
            Files.createDirectories(foreign);
            Files.writeString(foreign.resolve("data"), "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        f.runner.runChecked(new LfsCommands(f.tools).setProject(first + 1, foreign.toString()), Duration.ofSeconds(10));

        f.stub.createVolume(create("pvc-2", 10 * GI, params).build());
        assertThat(f.records("zeta").get("pvc-2").projectId()).isEqualTo(first + 2);
    }

    @Test
    void volumesGetDistinctProjectIdsAndQuotasEqualToTheirRequests() {
        Map<String, String> params = pool("beta");
        firstVolume("beta", "10.1.0.2@tcp", "pvc-1", 10 * GI, params);
        f.stub.createVolume(create("pvc-2", 20 * GI, params).build());
        f.stub.createVolume(create("pvc-3", 5 * GI + 1, params).build());

        Map<String, VolumeRecord> volumes = f.records("beta");
        assertThat(volumes.values().stream().map(VolumeRecord::projectId).distinct())
                .hasSize(3);
        for (String name : volumes.keySet()) {
            long id = volumes.get(name).projectId();
            assertThat(f.projectOf(f.poolMount("beta").resolve(name)).projectId())
                    .isEqualTo(id);
            // Quotas are set in KiB, rounded up: never less than asked for.
            long quota = f.quotaOf(id, f.poolMount("beta")).hardLimitBytes();
            assertThat(quota)
                    .isBetween(
                            volumes.get(name).capacityBytes(), volumes.get(name).capacityBytes() + 1023);
        }
        // Creates write the pool only when its OST count changes; the periodic re-plan records the sum planned for.
        f.kinds.shared().reconcileAllPools();
        assertThat(f.fileSystem("beta").orElseThrow().getMetadata().getAnnotations())
                .containsEntry(LustreFileSystems.ANNOTATION_CAPACITY, Long.toString(35 * GI + 1));
    }

    @Test
    void expansionRaisesTheQuotaAndGrowsThePool() throws Exception {
        Map<String, String> params = pool("gamma");
        Volume v = firstVolume("gamma", "10.1.0.3@tcp", "pvc-e", 50 * GI, params);
        assertThat(f.fileSystem("gamma").orElseThrow().getSpec().getOstCount()).isEqualTo(1);
        // The volume's user tightened its permissions: neither expansion nor a retried create undoes that.
        Path dir = f.poolMount("gamma").resolve("pvc-e");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        f.stub.createVolume(create("pvc-e", 50 * GI, params).build());

        ControllerExpandVolumeResponse r = f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId())
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(300 * GI))
                .build());

        assertThat(r.getCapacityBytes()).isEqualTo(300 * GI);
        assertThat(r.getNodeExpansionRequired()).isFalse();
        long id = f.records("gamma").get("pvc-e").projectId();
        assertThat(f.quotaOf(id, f.poolMount("gamma")).hardLimitBytes()).isEqualTo(300 * GI);
        // 300Gi + 20% headroom on 100Gi OSTs.
        assertThat(f.fileSystem("gamma").orElseThrow().getSpec().getOstCount()).isEqualTo(4);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        // Asking for less than it has is a no-op that reports the current size.
        assertThat(f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                .setVolumeId(v.getVolumeId())
                                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(100 * GI))
                                .build())
                        .getCapacityBytes())
                .isEqualTo(300 * GI);
        // Beyond maxOsts: RESOURCE_EXHAUSTED with the numbers, and the volume keeps its size.
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2000 * GI))
                        .build()));
        assertThat(e).has(status(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(e.getStatus().getDescription())
                .contains(Long.toString(2000 * GI))
                .contains("10 OSTs")
                .contains(Long.toString(1000 * GI));
        assertThat(f.quotaOf(id, f.poolMount("gamma")).hardLimitBytes()).isEqualTo(300 * GI);
    }

    @Test
    void deleteRemovesTheDirectoryFreesTheProjectIdAndShrinksThePool() throws Exception {
        Map<String, String> params = pool("delta");
        Volume big = firstVolume("delta", "10.1.0.4@tcp", "pvc-big", 500 * GI, params);
        Volume small = f.stub.createVolume(create("pvc-small", 10 * GI, params).build())
                .getVolume();
        assertThat(f.fileSystem("delta").orElseThrow().getSpec().getOstCount()).isEqualTo(7);
        // The operator reports the 7 OSTs in service: only a settled pool is ever shrunk.
        f.markReady("delta", "10.1.0.4@tcp");
        long bigId = f.records("delta").get("pvc-big").projectId();
        Path data = f.poolMount("delta").resolve("pvc-big").resolve("results");
        Files.createDirectories(data);
        Files.writeString(data.resolve("out.txt"), "42");

        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(big.getVolumeId()).build());

        assertThat(f.serverRoot("10.1.0.4@tcp", "delta").resolve("pvc-big")).doesNotExist();
        assertThat(f.records("delta")).containsOnlyKeys("pvc-small");
        assertThat(f.quotaOf(bigId, f.poolMount("delta")).hardLimitBytes()).isZero();
        // 10Gi left: the pool goes back to its minimum.
        assertThat(f.fileSystem("delta").orElseThrow().getSpec().getOstCount()).isEqualTo(1);
        // Deleting again succeeds and changes nothing.
        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(big.getVolumeId()).build());
        assertThat(f.serverRoot("10.1.0.4@tcp", "delta").resolve("pvc-small")).isDirectory();
        // The freed id is taken by the next volume: ids come from the ledger, not a counter.
        f.stub.createVolume(create("pvc-next", GI, params).build());
        assertThat(f.records("delta").get("pvc-next").projectId()).isEqualTo(bigId);
        assertThat(small.getVolumeId()).endsWith(":pvc-small");
    }

    @Test
    void archiveKeepsTheDataAsideWithoutItsProjectId() throws Exception {
        Map<String, String> params = pool("eps", "onDelete", "archive");
        Volume v = firstVolume("eps", "10.1.0.5@tcp", "pvc-keep", 10 * GI, params);
        long id = f.records("eps").get("pvc-keep").projectId();
        Files.writeString(f.poolMount("eps").resolve("pvc-keep").resolve("thesis.tex"), "chapter 1");

        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());

        Path archived =
                f.serverRoot("10.1.0.5@tcp", "eps").resolve(".csi-archive").resolve("pvc-keep-" + id);
        assertThat(archived.resolve("thesis.tex")).hasContent("chapter 1");
        assertThat(f.serverRoot("10.1.0.5@tcp", "eps").resolve("pvc-keep")).doesNotExist();
        assertThat(f.projectOf(f.poolMount("eps").resolve(".csi-archive").resolve("pvc-keep-" + id))
                        .projectId())
                .isZero();
        assertThat(f.records("eps")).isEmpty();
        // A new volume reusing the id is not charged for the archive.
        f.stub.createVolume(create("pvc-new", GI, params).build());
        long newId = f.records("eps").get("pvc-new").projectId();
        assertThat(newId).isEqualTo(id);
        assertThat(f.quotaOf(newId, f.poolMount("eps")).usedBytes()).isLessThan(8 * 1024);
    }

    @Test
    void capacityBeyondMaxOstsIsResourceExhaustedWithTheNumbersAndLeavesNothing() {
        Map<String, String> params = pool("zeta", "maxOsts", "2");
        firstVolume("zeta", "10.1.0.6@tcp", "pvc-150", 150 * GI, params);

        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(create("pvc-60", 60 * GI, params).build()));

        assertThat(e).has(status(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(e.getStatus().getDescription())
                .contains(Long.toString(60 * GI))
                .contains(Long.toString(210 * GI))
                .contains("2 OSTs")
                .contains(Long.toString(200 * GI));
        assertThat(f.records("zeta")).containsOnlyKeys("pvc-150");
        assertThat(f.serverRoot("10.1.0.6@tcp", "zeta").resolve("pvc-60")).doesNotExist();
        assertThat(f.fileSystem("zeta").orElseThrow().getSpec().getOstCount()).isEqualTo(2);
    }

    @Test
    void anExistingAdminPoolIsUsedAsItIsAndNeverResized() {
        LustreFileSystem admin = new LustreFileSystem();
        admin.getMetadata().setName("fixed");
        admin.getMetadata().setNamespace(NAMESPACE);
        admin.getSpec().setFsName("fixed");
        admin.getSpec().setOstCount(3);
        admin.getSpec().setOstSize(new io.fabric8.kubernetes.api.model.Quantity("100Gi"));
        client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .resource(admin)
                .create();
        f.markReady("fixed", "10.1.0.7@tcp");
        // No scale policy: a fixed 300Gi pool, whatever the StorageClass says about sizing.
        Map<String, String> params = Map.of("pool", "fixed", "maxOsts", "50");

        f.stub.createVolume(create("pvc-x", 250 * GI, params).build());
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(create("pvc-y", 100 * GI, params).build()));

        assertThat(e).has(status(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(f.fileSystem("fixed").orElseThrow().getSpec().getOstCount()).isEqualTo(3);
        assertThat(f.serverRoot("10.1.0.7@tcp", "fixed").resolve("pvc-x")).isDirectory();
    }
}
