package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NetworkType;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A whole LustreFileSystem per volume: created, awaited across retries, expanded, deleted by reclaim policy. */
@ControllerOnMockApi(readyWaitMillis = 200, mounts = false)
class DedicatedVolumeTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    @Test
    void createsOneFilesystemSizedFromTheRequestAndAnswersWhenItIsReady() {
        CreateVolumeRequest req = create(
                        "pvc-0b3c2d1e-aaaa-bbbb-cccc-000000000001", 250 * GI, dedicated("mountOptions", "noatime"))
                .build();
        assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
        LustreFileSystem fs =
                f.fileSystem("pvc-0b3c2d1e-aaaa-bbbb-cccc-000000000001").orElseThrow();
        // 250Gi + 10% on 100Gi OSTs -> 3 OSTs; delete reclaim -> its disks go with it.
        assertThat(fs.getSpec().getOstCount()).isEqualTo(3);
        assertThat(fs.getSpec().getDiskDeletionPolicy()).isEqualTo(DiskDeletionPolicy.Delete);
        assertThat(fs.getSpec().getFsName()).matches("v[0-9a-f]{7}");
        assertThat(fs.getMetadata().getLabels()).containsEntry(LustreFileSystems.LABEL_ROLE, "dedicated");

        // Retries while it provisions keep waiting on the same resource, never a second one.
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
        }
        assertThat(f.fileSystems()).hasSize(1);

        f.markReady(fs.getMetadata().getName(), "10.3.0.1@tcp");
        Volume v = f.stub.createVolume(req).getVolume();

        assertThat(VolumeId.parse(v.getVolumeId()))
                .isEqualTo(new VolumeId(
                        NAMESPACE, fs.getMetadata().getName(), fs.getSpec().getFsName(), ""));
        assertThat(v.getCapacityBytes()).isEqualTo(250 * GI);
        assertThat(v.getVolumeContextMap())
                .containsEntry(VolumeContextKeys.MGS_NIDS, "10.3.0.1@tcp")
                .containsEntry(VolumeContextKeys.FS_NAME, fs.getSpec().getFsName())
                .containsEntry(VolumeContextKeys.MOUNT_OPTIONS, "noatime")
                .doesNotContainKey(VolumeContextKeys.SUBDIR);
        assertThat(f.stub.createVolume(req).getVolume()).isEqualTo(v);
    }

    @Test
    void aRetryAfterAControllerRestartFindsTheFilesystemItStarted() {
        CreateVolumeRequest req = create("pvc-restart", 100 * GI, dedicated()).build();
        assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
        f.restart();
        assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
        f.markReady("pvc-restart", "10.3.0.2@tcp");
        f.stub.createVolume(req);
        assertThat(f.fileSystems()).hasSize(1);
    }

    @Test
    void concurrentDuplicatesCreateOneFilesystem() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            CreateVolumeRequest req = create("pvc-race", 10 * GI, dedicated()).build();
            List<Future<Status.Code>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit(() -> {
                    try {
                        f.stub.createVolume(req);
                        return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    }
                }));
            }
            for (Future<Status.Code> c : calls) {
                assertThat(c.get()).isEqualTo(Status.Code.UNAVAILABLE);
            }
            assertThat(f.fileSystems()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sameNameWithOtherParametersOrAForeignResourceIsAlreadyExists() {
        f.markReadyAfterCreate(
                "pvc-p", "10.3.0.3@tcp", create("pvc-p", 10 * GI, dedicated()).build());
        assertThatThrownBy(() -> f.stub.createVolume(
                        create("pvc-p", 10 * GI, dedicated("stripeCount", "2")).build()))
                .has(status(Status.Code.ALREADY_EXISTS));
        assertThatThrownBy(() -> f.stub.createVolume(
                        create("pvc-p", 20 * GI, dedicated()).build()))
                .has(status(Status.Code.ALREADY_EXISTS));

        // A LustreFileSystem an admin made under the same name is not taken over.
        LustreFileSystem admin = new LustreFileSystem();
        admin.getMetadata().setName("pvc-admin");
        admin.getMetadata().setNamespace(NAMESPACE);
        admin.getSpec().setFsName("adm");
        client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .resource(admin)
                .create();
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(create("pvc-admin", GI, dedicated()).build()));
        assertThat(e).has(status(Status.Code.ALREADY_EXISTS));
        assertThat(e.getStatus().getDescription()).contains("not the dedicated filesystem");
    }

    @Test
    void tooLargeForMaxOstsIsResourceExhaustedAndCreatesNothing() {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(
                        create("pvc-huge", 900 * GI, dedicated()).build()));
        assertThat(e).has(status(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(e.getStatus().getDescription())
                .contains(Long.toString(900 * GI))
                .contains("8 OSTs")
                .contains(Long.toString(800 * GI));
        assertThat(f.fileSystems()).isEmpty();
    }

    @Test
    void expansionAddsOsts() {
        Volume v = f.markReadyAfterCreate(
                "pvc-grow",
                "10.3.0.4@tcp",
                create("pvc-grow", 50 * GI, dedicated()).build());
        assertThat(f.fileSystem("pvc-grow").orElseThrow().getSpec().getOstCount())
                .isEqualTo(1);
        ControllerExpandVolumeRequest grow = ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId())
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(500 * GI))
                .build();
        // The new capacity is not reported before the operator has the new OSTs Ready: the resizer retries.
        assertThatThrownBy(() -> f.stub.controllerExpandVolume(grow))
                .has(status(Status.Code.UNAVAILABLE))
                .hasMessageContaining("6 OSTs requested");
        assertThat(f.fileSystem("pvc-grow").orElseThrow().getSpec().getOstCount())
                .isEqualTo(6);
        assertThatThrownBy(() -> f.stub.controllerExpandVolume(grow))
                .as("a retry before they are Ready")
                .has(status(Status.Code.UNAVAILABLE));
        f.markReady("pvc-grow", "10.3.0.4@tcp");
        assertThat(f.stub.controllerExpandVolume(grow).getCapacityBytes()).isEqualTo(500 * GI);
        assertThat(f.fileSystem("pvc-grow").orElseThrow().getSpec().getOstCount())
                .isEqualTo(6);
        assertThatThrownBy(() -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(801 * GI))
                        .build()))
                .has(status(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(f.fileSystem("pvc-grow").orElseThrow().getSpec().getOstCount())
                .isEqualTo(6);
    }

    @Test
    void deleteRemovesTheFilesystemAndArchiveKeepsItsDisks() {
        Volume gone = f.markReadyAfterCreate(
                "pvc-del", "10.3.0.5@tcp", create("pvc-del", GI, dedicated()).build());
        f.markReadyAfterCreate(
                "pvc-arc",
                "10.3.0.6@tcp",
                create("pvc-arc", GI, dedicated("onDelete", "archive")).build());
        assertThat(f.fileSystem("pvc-arc").orElseThrow().getSpec().getDiskDeletionPolicy())
                .isEqualTo(DiskDeletionPolicy.Retain);

        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(gone.getVolumeId()).build());
        assertThat(f.fileSystem("pvc-del")).isEmpty();
        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(gone.getVolumeId()).build());
        assertThat(f.fileSystem("pvc-arc")).isPresent();
    }

    @Test
    void anIdNamingAPoolOrAnotherFilesystemNeverDeletesIt() {
        LustreFileSystem pool = new LustreFileSystem();
        pool.getMetadata().setName("shared");
        pool.getMetadata().setNamespace(NAMESPACE);
        pool.getMetadata().setLabels(Map.of(LustreFileSystems.LABEL_ROLE, "pool"));
        pool.getSpec().setFsName("shared");
        client.resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .resource(pool)
                .create();

        assertThatThrownBy(() -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId("v1:" + NAMESPACE + ":shared:shared:")
                        .build()))
                .has(status(Status.Code.FAILED_PRECONDITION));
        // Wrong fsname for an existing resource: also untouched.
        Volume v = f.markReadyAfterCreate(
                "pvc-mine", "10.3.0.7@tcp", create("pvc-mine", GI, dedicated()).build());
        assertThatThrownBy(() -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId("v1:" + NAMESPACE + ":pvc-mine:other:")
                        .build()))
                .has(status(Status.Code.FAILED_PRECONDITION));
        assertThat(f.fileSystem("shared")).isPresent();
        assertThat(f.fileSystem("pvc-mine")).isPresent();
        assertThat(v.getVolumeId()).contains("pvc-mine");
    }

    @Test
    void o2ibFilesystemsAreReachableOnlyFromO2ibNodes() {
        Map<String, String> params = dedicated(
                "network",
                "o2ib",
                "networkAttachment",
                "hpc/ib0",
                "networkAddresses",
                "192.168.50.10/24,192.168.50.11/24,192.168.50.12/24,192.168.50.13/24,"
                        + "192.168.50.14/24,192.168.50.15/24,192.168.50.16/24,192.168.50.17/24,192.168.50.18/24");
        Volume v = f.markReadyAfterCreate(
                "pvc-ib", "192.168.50.10@o2ib", create("pvc-ib", GI, params).build());
        assertThat(f.fileSystem("pvc-ib").orElseThrow().getSpec().getNetwork().getType())
                .isEqualTo(NetworkType.O2IB);
        assertThat(v.getAccessibleTopology(0).getSegmentsMap())
                .containsExactly(Map.entry(DriverNames.TOPOLOGY_LNET_O2IB, "true"));
        assertThat(v.getVolumeContextMap())
                .containsEntry(VolumeContextKeys.NETWORK, "o2ib")
                .containsEntry(VolumeContextKeys.MGS_NIDS, "192.168.50.10@o2ib");
    }

    @Test
    void aDedicatedSpecTheOperatorWouldRejectIsInvalidArgument() {
        // o2ib needs a Multus attachment with an address per server: refused before anything is created.
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(
                        create("pvc-bad", GI, dedicated("network", "o2ib")).build()));
        assertThat(e).has(status(Status.Code.INVALID_ARGUMENT));
        assertThat(e.getStatus().getDescription()).contains("attachment");
        Map<String, String> noImage = dedicated();
        noImage.remove("serverImage");
        e = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.createVolume(create("pvc-bad", GI, noImage).build()));
        // The message is what the user reads in the PVC's Event: what is missing and the two places to set it.
        assertThat(e.getStatus().getDescription())
                .contains("no serverImage: set it in the StorageClass", "serverVm.image")
                .hasSizeLessThan(300);
        assertThat(f.fileSystems()).isEmpty();
    }
}
