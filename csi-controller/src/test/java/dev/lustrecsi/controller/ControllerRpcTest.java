package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.CsiRequests.lustreCapability;
import static dev.lustrecsi.testing.csi.CsiRequests.mountCapability;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ControllerGetVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerGetVolumeResponse;
import dev.lustrecsi.csi.v1.ControllerModifyVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerPublishVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerServiceCapability;
import dev.lustrecsi.csi.v1.ControllerUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.CreateSnapshotRequest;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteSnapshotRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.GetCapacityRequest;
import dev.lustrecsi.csi.v1.GetCapacityResponse;
import dev.lustrecsi.csi.v1.GetSnapshotRequest;
import dev.lustrecsi.csi.v1.ListSnapshotsRequest;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.ListVolumesResponse;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.TopologyRequirement;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesResponse;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeContentSource;
import dev.lustrecsi.lustre.testing.MountNamespace;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each Controller RPC's contract: capabilities, validation, listing, capacity, condition, hostile input. */
@ControllerOnMockApi(readyWaitMillis = 100, mounts = false)
class ControllerRpcTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private static Status expectStatus(Status.Code code, Executable call) {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
        assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
        return e.getStatus();
    }

    @Test
    void advertisesExactlyTheCapabilitiesItImplements() {
        List<ControllerServiceCapability.RPC.Type> types = f
                .stub
                .controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList()
                .stream()
                .map(c -> c.getRpc().getType())
                .toList();
        assertThat(types)
                .containsExactlyInAnyOrder(
                        ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
                        ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
                        ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
                        ControllerServiceCapability.RPC.Type.GET_CAPACITY,
                        ControllerServiceCapability.RPC.Type.GET_VOLUME,
                        ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
                        ControllerServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER,
                        ControllerServiceCapability.RPC.Type.CLONE_VOLUME);
    }

    @Test
    void unsupportedRpcsAreUnimplemented() {
        expectStatus(
                Status.Code.UNIMPLEMENTED,
                () -> f.stub.controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder()
                        .setVolumeId("v1:ns:fs:fs1:")
                        .setNodeId("n1")
                        .build()));
        expectStatus(
                Status.Code.UNIMPLEMENTED,
                () -> f.stub.controllerUnpublishVolume(ControllerUnpublishVolumeRequest.getDefaultInstance()));
        expectStatus(
                Status.Code.UNIMPLEMENTED, () -> f.stub.createSnapshot(CreateSnapshotRequest.getDefaultInstance()));
        expectStatus(
                Status.Code.UNIMPLEMENTED, () -> f.stub.deleteSnapshot(DeleteSnapshotRequest.getDefaultInstance()));
        expectStatus(Status.Code.UNIMPLEMENTED, () -> f.stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()));
        expectStatus(Status.Code.UNIMPLEMENTED, () -> f.stub.getSnapshot(GetSnapshotRequest.getDefaultInstance()));
        expectStatus(
                Status.Code.UNIMPLEMENTED,
                () -> f.stub.controllerModifyVolume(ControllerModifyVolumeRequest.getDefaultInstance()));
    }

    @Test
    void validateVolumeCapabilitiesConfirmsFilesystemAccessOnly() {
        Volume v = f.markReadyAfterCreate(
                "pvc-v", "10.4.0.1@tcp", create("pvc-v", GI, dedicated()).build());
        ValidateVolumeCapabilitiesResponse ok =
                f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .addVolumeCapabilities(
                                lustreCapability(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                        .addVolumeCapabilities(
                                lustreCapability(VolumeCapability.AccessMode.Mode.SINGLE_NODE_MULTI_WRITER))
                        .putAllVolumeContext(v.getVolumeContextMap())
                        .build());
        assertThat(ok.hasConfirmed()).isTrue();
        assertThat(ok.getConfirmed().getVolumeCapabilitiesCount()).isEqualTo(2);

        ValidateVolumeCapabilitiesResponse block =
                f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .addVolumeCapabilities(VolumeCapability.newBuilder()
                                .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                                .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                                        .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
                        .build());
        assertThat(block.hasConfirmed()).isFalse();
        assertThat(block.getMessage()).contains("block");

        expectStatus(
                Status.Code.NOT_FOUND,
                () -> f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId("v1:" + NAMESPACE + ":nope:nope:")
                        .addVolumeCapabilities(lustreCapability(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER))
                        .build()));
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .build()));
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.getDefaultInstance()));
    }

    @Test
    void listVolumesPagesInStableOrderWithTokensThatSurviveDeletes() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(f.markReadyAfterCreate(
                            "pvc-l" + i,
                            "10.4.1." + i + "@tcp",
                            create("pvc-l" + i, GI, dedicated()).build())
                    .getVolumeId());
        }
        List<String> seen = new ArrayList<>();
        ListVolumesResponse page = f.stub.listVolumes(
                ListVolumesRequest.newBuilder().setMaxEntries(2).build());
        assertThat(page.getEntriesCount()).isEqualTo(2);
        page.getEntriesList().forEach(e -> seen.add(e.getVolume().getVolumeId()));
        // A volume deleted between pages does not make the next page skip or repeat others.
        String deleted = ids.stream()
                .filter(id -> !seen.contains(id))
                .sorted()
                .findFirst()
                .orElseThrow();
        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(deleted).build());
        while (!page.getNextToken().isEmpty()) {
            page = f.stub.listVolumes(ListVolumesRequest.newBuilder()
                    .setMaxEntries(2)
                    .setStartingToken(page.getNextToken())
                    .build());
            page.getEntriesList().forEach(e -> seen.add(e.getVolume().getVolumeId()));
        }
        List<String> expected = new ArrayList<>(ids);
        expected.remove(deleted);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected).isSorted();

        ListVolumesResponse all = f.stub.listVolumes(ListVolumesRequest.getDefaultInstance());
        assertThat(all.getEntriesCount()).isEqualTo(4);
        assertThat(all.getNextToken()).isEmpty();
        assertThat(all.getEntries(0).getStatus().getVolumeCondition().getAbnormal())
                .isFalse();
        assertThat(all.getEntries(0).getVolume().getCapacityBytes()).isEqualTo(GI);

        expectStatus(
                Status.Code.ABORTED,
                () -> f.stub.listVolumes(ListVolumesRequest.newBuilder()
                        .setStartingToken("not-a-token")
                        .build()));
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.listVolumes(
                        ListVolumesRequest.newBuilder().setMaxEntries(-1).build()));
    }

    @Test
    void listVolumesIncludesSharedVolumesFromTheLedger() {
        MountNamespace.assumePrivate();
        Map<String, String> params = pool("lst");
        expectStatus(
                Status.Code.UNAVAILABLE,
                () -> f.stub.createVolume(create("pvc-s1", GI, params).build()));
        f.markReady("lst", "10.4.2.1@tcp");
        f.stub.createVolume(create("pvc-s1", GI, params).build());
        f.stub.createVolume(create("pvc-s2", 2 * GI, params).build());
        f.markReadyAfterCreate(
                "pvc-d", "10.4.2.2@tcp", create("pvc-d", GI, dedicated()).build());

        List<String> ids = f.stub.listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesList().stream()
                .map(e -> e.getVolume().getVolumeId())
                .toList();
        assertThat(ids)
                .containsExactlyInAnyOrder(
                        "v1:" + NAMESPACE + ":lst:lst:pvc-s1",
                        "v1:" + NAMESPACE + ":lst:lst:pvc-s2",
                        f.stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                                        .setVolumeId(ids.stream()
                                                .filter(i -> i.contains("pvc-d"))
                                                .findFirst()
                                                .orElseThrow())
                                        .build())
                                .getVolume()
                                .getVolumeId());

        // GetCapacity of the pool: what it can still grow to.
        GetCapacityResponse cap = f.stub.getCapacity(
                GetCapacityRequest.newBuilder().putAllParameters(params).build());
        assertThat(cap.getAvailableCapacity()).isEqualTo(1000 * GI - 3 * GI);
        assertThat(cap.getMaximumVolumeSize().getValue()).isEqualTo(1000 * GI - 3 * GI);
    }

    @Test
    void controllerGetVolumeReportsTheFilesystemsCondition() {
        Volume v = f.markReadyAfterCreate(
                "pvc-c", "10.4.3.1@tcp", create("pvc-c", GI, dedicated()).build());
        ControllerGetVolumeResponse healthy = f.stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId())
                .build());
        assertThat(healthy.getVolume()).isEqualTo(v);
        assertThat(healthy.getStatus().getVolumeCondition().getAbnormal()).isFalse();

        f.setPhase("pvc-c", Phase.Degraded, "10.4.3.1@tcp");
        ControllerGetVolumeResponse degraded = f.stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId())
                .build());
        assertThat(degraded.getStatus().getVolumeCondition().getAbnormal()).isTrue();
        assertThat(degraded.getStatus().getVolumeCondition().getMessage()).contains("Degraded");

        expectStatus(
                Status.Code.NOT_FOUND,
                () -> f.stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                        .setVolumeId("v1:" + NAMESPACE + ":pvc-c:other:")
                        .build()));
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.controllerGetVolume(ControllerGetVolumeRequest.getDefaultInstance()));
    }

    @Test
    void getCapacityFollowsParametersAndTopology() {
        GetCapacityResponse fresh = f.stub.getCapacity(
                GetCapacityRequest.newBuilder().putAllParameters(pool("none")).build());
        assertThat(fresh.getAvailableCapacity()).isEqualTo(1000 * GI);
        GetCapacityResponse ded = f.stub.getCapacity(
                GetCapacityRequest.newBuilder().putAllParameters(dedicated()).build());
        assertThat(ded.getMaximumVolumeSize().getValue()).isEqualTo(800 * GI);
        GetCapacityResponse unreachable = f.stub.getCapacity(GetCapacityRequest.newBuilder()
                .putAllParameters(pool("none"))
                .setAccessibleTopology(Topology.newBuilder().putSegments(DriverNames.TOPOLOGY_LNET_O2IB, "true"))
                .build());
        assertThat(unreachable.getAvailableCapacity()).isZero();
        GetCapacityResponse reachable = f.stub.getCapacity(GetCapacityRequest.newBuilder()
                .putAllParameters(pool("none"))
                .setAccessibleTopology(Topology.newBuilder().putSegments(DriverNames.TOPOLOGY_LNET_TCP, "true"))
                .build());
        assertThat(reachable.getAvailableCapacity()).isEqualTo(1000 * GI);
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.getCapacity(GetCapacityRequest.newBuilder()
                        .putParameters("mode", "bogus")
                        .build()));
    }

    /** A request asking for {@code capability} alone. */
    private static Consumer<CreateVolumeRequest.Builder> onlyCapability(VolumeCapability.Builder capability) {
        return b -> b.clearVolumeCapabilities().addVolumeCapabilities(capability);
    }

    @Test
    void createVolumeRefusesHostileOrUnsupportedRequestsAndTouchesNothing() {
        Map<String, String> ok = pool("safe");
        VolumeCapability.AccessMode writer = VolumeCapability.AccessMode.newBuilder()
                .setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)
                .build();
        List<Consumer<CreateVolumeRequest.Builder>> bad = List.of(
                b -> b.setName(""),
                b -> b.setName("../../etc"),
                b -> b.setName("a/b"),
                b -> b.setName(".hidden"),
                b -> b.setName("x".repeat(300)),
                b -> b.setName("pvc\nnewline"),
                b -> b.clearVolumeCapabilities(),
                onlyCapability(VolumeCapability.newBuilder()
                        .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                        .setAccessMode(writer)),
                onlyCapability(VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
                        .setAccessMode(writer)),
                onlyCapability(
                        mountCapability(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER, "suid").toBuilder()),
                onlyCapability(
                        VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.getDefaultInstance())),
                b -> b.setVolumeContentSource(VolumeContentSource.newBuilder()
                        .setSnapshot(
                                VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId("snap-1"))),
                b -> b.putParameters("pool", "../../../etc"),
                b -> b.putParameters("mountOptions", "exec,suid"),
                b -> b.putParameters("unknown", "1"),
                b -> b.putParameters("stripeSize", "12345"),
                b -> b.putMutableParams("x", "y"));
        for (Consumer<CreateVolumeRequest.Builder> mutation : bad) {
            CreateVolumeRequest.Builder b = create("pvc-ok", GI, ok);
            mutation.accept(b);
            Status s = expectStatus(Status.Code.INVALID_ARGUMENT, () -> f.stub.createVolume(b.build()));
            assertThat(s.getDescription()).isNotBlank();
        }
        expectStatus(
                Status.Code.OUT_OF_RANGE,
                () -> f.stub.createVolume(create("pvc-ok", GI, ok)
                        .setCapacityRange(CapacityRange.newBuilder()
                                .setRequiredBytes(10 * GI)
                                .setLimitBytes(GI))
                        .build()));
        expectStatus(
                Status.Code.OUT_OF_RANGE,
                () -> f.stub.createVolume(create("pvc-ok", GI, ok)
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(-1))
                        .build()));
        // A tcp filesystem for nodes that only have o2ib: nowhere it could be used.
        expectStatus(
                Status.Code.RESOURCE_EXHAUSTED,
                () -> f.stub.createVolume(create("pvc-ok", GI, ok)
                        .setAccessibilityRequirements(TopologyRequirement.newBuilder()
                                .addRequisite(
                                        Topology.newBuilder().putSegments(DriverNames.TOPOLOGY_LNET_O2IB, "true")))
                        .build()));

        assertThat(f.fileSystems()).isEmpty();
        assertThat(client.configMaps().inAnyNamespace().list().getItems()).isEmpty();
    }

    @Test
    void idsThatCannotBeOursAreHandledWithoutTouchingAnything() {
        Volume v = f.markReadyAfterCreate(
                "pvc-h", "10.4.4.1@tcp", create("pvc-h", GI, dedicated()).build());
        List<String> hostile = List.of(
                "garbage",
                "v1:ns:fs:fs1:../../etc",
                "v2:" + NAMESPACE + ":pvc-h:x:",
                "v1:::toolongfsname:",
                "v1:" + NAMESPACE + ":pvc-h:" + "x".repeat(200) + ":",
                "v1:NS:pvc-h:fs:",
                "v1:" + NAMESPACE + ":pvc-h:fs:a/b");
        for (String id : hostile) {
            // DeleteVolume of an id no volume of ours can have succeeds (CSI: it does not exist) and touches nothing.
            f.stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
            expectStatus(
                    Status.Code.NOT_FOUND,
                    () -> f.stub.controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                            .setVolumeId(id)
                            .build()));
            expectStatus(
                    Status.Code.NOT_FOUND,
                    () -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                            .setVolumeId(id)
                            .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GI))
                            .build()));
        }
        expectStatus(Status.Code.INVALID_ARGUMENT, () -> f.stub.deleteVolume(DeleteVolumeRequest.getDefaultInstance()));
        expectStatus(
                Status.Code.INVALID_ARGUMENT,
                () -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .build()));
        expectStatus(
                Status.Code.OUT_OF_RANGE,
                () -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .setCapacityRange(CapacityRange.newBuilder()
                                .setRequiredBytes(5 * GI)
                                .setLimitBytes(GI))
                        .build()));
        assertThat(f.fileSystem("pvc-h")).isPresent();
        assertThat(f.fileSystem("pvc-h").orElseThrow().getSpec().getOstCount()).isEqualTo(1);
    }

    @Test
    void staticVolumesNeedNoControllerAndAreNeverDeletedOrExpandedByIt() {
        // A PV an admin wrote for an external filesystem: volumeHandle v1:::<fsname>:<subdir>.
        String handle = "v1:::scratch:projects";
        f.stub.deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(handle).build());
        expectStatus(
                Status.Code.FAILED_PRECONDITION,
                () -> f.stub.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setVolumeId(handle)
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GI))
                        .build()));
        ValidateVolumeCapabilitiesResponse r =
                f.stub.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId(handle)
                        .addVolumeCapabilities(
                                lustreCapability(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                        .build());
        assertThat(r.hasConfirmed()).isTrue();
        assertThat(f.fileSystems()).isEmpty();
        assertThat(client.configMaps().inAnyNamespace().list().getItems()).isEmpty();
    }
}
