package dev.lustrecsi.e2e;

import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerGetVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerModifyVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerPublishVolumeRequest;
import dev.lustrecsi.csi.v1.CreateSnapshotRequest;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.GetCapacityRequest;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.NodeExpandVolumeRequest;
import dev.lustrecsi.csi.v1.NodeGetVolumeStatsRequest;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesRequest;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeContentSource;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and hostile requests through every RPC of both plugins, over their real sockets, against a live
 * cluster with a provisioned, staged volume. Each answers one specific gRPC code, and none changes anything:
 * no filesystem, ledger entry, PV, directory or mount appears or disappears.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
    private static final long GI = 1L << 30;
    private static LocalCluster cluster;
    private static Story story;
    private static PersistentVolume pv;
    private static Map<String, String> scParameters;

    /** One bad request: what it is, the code it must get, and the call. */
    record Case(String name, Status.Code expected, Consumer<HostileInputTest> call) {
        @Override
        public String toString() {
            return name + " -> " + expected;
        }
    }

    /** Everything a bad request could have changed. */
    private record Snapshot(
            List<String> fileSystems,
            Map<String, ?> ledger,
            List<String> pvs,
            List<String> serverDirs,
            List<java.nio.file.Path> mounts,
            List<String> kubeletTree,
            List<String> outsideTree) {}

    @BeforeAll
    void start() throws Exception {
        cluster = Story.startClusterOnRealControlPlaneIfAvailable("hostile");
        story = new Story(cluster, "hostile");
        pv = story.claimAndBind("100Gi", "victim");
        // A second volume on the pool: expanding the victim to Long.MAX_VALUE then overflows the pool's sum.
        story.claimAndBind("100Gi", "bystander");
        story.awaitPoolSettled();
        // The volume is in use, so a bad call that unmounted or replaced something would show.
        story.kubelet.startPod(pv, "pod-in-use");
        scParameters = cluster.storageClassParameters();
        Files.createDirectories(outside());
        // A directory a hostile target path leads to through a symlink inside the kubelet's pods directory.
        Files.createDirectories(cluster.kubeletDir().resolve("pods/evil-pod/volumes/kubernetes.io~csi"));
        Files.createSymbolicLink(cluster.kubeletDir().resolve("pods/evil-pod/volumes/kubernetes.io~csi/pv"), outside());
        // What kubelet (or anyone) left at target paths: not the plugin's to publish onto or to remove.
        Files.createDirectories(fileTarget().getParent());
        Files.writeString(fileTarget(), "not a directory");
        Files.createDirectories(emptyTarget());
    }

    private static Path fileTarget() {
        return cluster.kubeletDir().resolve("pods/file-pod/volumes/kubernetes.io~csi/pv/mount");
    }

    private static Path emptyTarget() {
        return cluster.kubeletDir().resolve("pods/empty-pod/volumes/kubernetes.io~csi/pv/mount");
    }

    @AfterAll
    void stop() {
        try {
            if (pv != null) {
                story.kubelet.stopPod(pv, "pod-in-use");
                story.kubelet.unstage(pv);
                assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
            }
        } finally {
            Story.stopCluster(cluster);
        }
    }

    private static Path outside() {
        return cluster.home().resolve("outside-kubelet");
    }

    private static Snapshot snapshot() {
        return new Snapshot(
                cluster.client().resources(LustreFileSystem.class).inAnyNamespace().list().getItems().stream()
                        .map(f -> f.getMetadata().getName() + "/" + f.getSpec().getOstCount())
                        .sorted()
                        .toList(),
                story.ledger(),
                cluster.client().persistentVolumes().list().getItems().stream()
                        .map(p -> p.getMetadata().getName())
                        .sorted()
                        .toList(),
                List.copyOf(story.volumeDirsOnServer()),
                Story.mountPoints(),
                Story.tree(cluster.kubeletDir()),
                Story.tree(outside()));
    }

    // ------------------------------------------------------------------ requests

    private static VolumeCapability mount(VolumeCapability.AccessMode.Mode mode, String fsType, String... flags) {
        return VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder()
                        .setFsType(fsType)
                        .addAllMountFlags(List.of(flags)))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode))
                .build();
    }

    private static VolumeCapability rwx(String... flags) {
        return mount(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER, "lustre", flags);
    }

    private static VolumeCapability block() {
        return VolumeCapability.newBuilder()
                .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                        .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                .build();
    }

    private static CreateVolumeRequest.Builder create(String name) {
        return CreateVolumeRequest.newBuilder()
                .setName(name)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(10 * GI))
                .addVolumeCapabilities(rwx())
                .putAllParameters(scParameters);
    }

    /** A 10 GiB CreateVolume from {@code sourceId} (the victim is 100 GiB). */
    private static CreateVolumeRequest cloneOf(String sourceId) {
        return create("pvc-hostile")
                .setVolumeContentSource(VolumeContentSource.newBuilder()
                        .setVolume(VolumeContentSource.VolumeSource.newBuilder().setVolumeId(sourceId)))
                .build();
    }

    private static CreateVolumeRequest.Builder createWith(String key, String value) {
        Map<String, String> p = new HashMap<>(scParameters);
        p.put(key, value);
        return create("pvc-hostile").clearParameters().putAllParameters(p);
    }

    private static String id() {
        return pv.getSpec().getCsi().getVolumeHandle();
    }

    private static NodeStageVolumeRequest.Builder stage() {
        return NodeStageVolumeRequest.newBuilder(story.kubelet.stageRequest(pv))
                .setStagingTargetPath(cluster.kubeletDir()
                        .resolve("plugins/kubernetes.io/csi/hostile/globalmount")
                        .toString());
    }

    /** The story volume's fileset as a static volume (no namespace, no filesystem object): v1:::fsname:subdir. */
    private static String staticId() {
        dev.lustrecsi.csi.VolumeId managed = dev.lustrecsi.csi.VolumeId.parse(stage().getVolumeId());
        return "v1:::" + managed.fsName() + ":" + managed.subdir();
    }

    private static NodeStageVolumeRequest.Builder stageWithContext(String key, String value) {
        NodeStageVolumeRequest.Builder b = stage();
        return b.putVolumeContext(key, value);
    }

    private static NodePublishVolumeRequest.Builder publish() {
        return NodePublishVolumeRequest.newBuilder(story.kubelet.publishRequest(pv, "pod-hostile"));
    }

    static Stream<Case> cases() {
        return Stream.of(
                // ---------------------------------------------------------- CreateVolume
                c(
                        "CreateVolume without a name",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("").build())),
                c(
                        "CreateVolume name '..' inside",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("pvc..x").build())),
                c(
                        "CreateVolume name '../../etc'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("../../etc").build())),
                c(
                        "CreateVolume name with '/'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("a/b").build())),
                c(
                        "CreateVolume name with NUL",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("a\u0000b").build())),
                c(
                        "CreateVolume name of 200 characters",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(create("p".repeat(200)).build())),
                c(
                        "CreateVolume without capabilities",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .build())),
                c(
                        "CreateVolume block access",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(block())
                                        .build())),
                c(
                        "CreateVolume fs_type ext4",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(
                                                mount(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER, "ext4"))
                                        .build())),
                c(
                        "CreateVolume unknown access mode",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(
                                                mount(VolumeCapability.AccessMode.Mode.UNKNOWN, "lustre"))
                                        .build())),
                c(
                        "CreateVolume shell in a mount flag",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(rwx("noatime;reboot"))
                                        .build())),
                // One policy for controller and node: what the node would refuse at mount time, CreateVolume refuses.
                c(
                        "CreateVolume mount flag defaults (suid,dev,exec)",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(rwx("defaults"))
                                        .build())),
                c(
                        "CreateVolume mount flag user_fid2path",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(rwx("user_fid2path"))
                                        .build())),
                c(
                        "CreateVolume StorageClass mountOptions noatime,relatime",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(createWith("mountOptions", "noatime,relatime")
                                        .build())),
                c(
                        "CreateVolume of Long.MAX_VALUE bytes (the pool's sum overflows)",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(Long.MAX_VALUE))
                                        .build())),
                c(
                        "CreateVolume forbidden mount flag",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .clearVolumeCapabilities()
                                        .addVolumeCapabilities(rwx("suid"))
                                        .build())),
                c(
                        "CreateVolume negative size",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(-1))
                                        .build())),
                c(
                        "CreateVolume required above limit",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .setCapacityRange(CapacityRange.newBuilder()
                                                .setRequiredBytes(10 * GI)
                                                .setLimitBytes(GI))
                                        .build())),
                c(
                        "CreateVolume 1 EiB (beyond the pool's maxOsts)",
                        Status.Code.RESOURCE_EXHAUSTED,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(1L << 60))
                                        .build())),
                c(
                        "CreateVolume from a snapshot",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .setVolumeContentSource(VolumeContentSource.newBuilder()
                                                .setSnapshot(VolumeContentSource.SnapshotSource.newBuilder()
                                                        .setSnapshotId("snap-1")))
                                        .build())),
                // Clones: a source that cannot be one of ours is NOT_FOUND, quoted escaped and bounded.
                c(
                        "CreateVolume from a volume id with a newline",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl().createVolume(cloneOf("v1:lustre-csi:scratch:scratch:pvc-x\nFORGED code=OK"))),
                c(
                        "CreateVolume from a volume id of 1 MiB",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl().createVolume(cloneOf("v1:" + "x".repeat(1 << 20)))),
                c(
                        "CreateVolume from volume '../victim'",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl()
                                .createVolume(cloneOf(
                                        pv.getSpec().getCsi().getVolumeHandle().replaceAll("[^:]+$", "../victim")))),
                c(
                        "CreateVolume from a volume that does not exist",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl()
                                .createVolume(cloneOf(
                                        pv.getSpec().getCsi().getVolumeHandle().replaceAll("[^:]+$", "pvc-nobody")))),
                c(
                        "CreateVolume from a volume, smaller than it",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl().createVolume(cloneOf(pv.getSpec().getCsi().getVolumeHandle()))),
                c(
                        "CreateVolume from the pool's whole filesystem",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(cloneOf(
                                        pv.getSpec().getCsi().getVolumeHandle().replaceAll("[^:]+$", "")))),
                c(
                        "CreateVolume mutable parameters",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(create("pvc-hostile")
                                        .putMutableParams("iops", "9000")
                                        .build())),
                c(
                        "CreateVolume unknown StorageClass parameter",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(createWith("rootSquash", "off").build())),
                c(
                        "CreateVolume pool '../other'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(createWith("pool", "../other").build())),
                c(
                        "CreateVolume namespace 'Kube System!'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(
                                        createWith("namespace", "Kube System!").build())),
                c(
                        "CreateVolume ostSize 'lots'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().createVolume(createWith("ostSize", "lots").build())),
                c(
                        "CreateVolume StorageClass mountOptions with a shell",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .createVolume(createWith("mountOptions", "flock,$(reboot)")
                                        .build())),
                c(
                        "CreateVolume same name, different parameters",
                        Status.Code.ALREADY_EXISTS,
                        t -> t.ctl()
                                .createVolume(create(pv.getMetadata().getName())
                                        .clearParameters()
                                        .putAllParameters(Map.of(
                                                "pool",
                                                LocalCluster.POOL,
                                                "namespace",
                                                LocalCluster.NAMESPACE,
                                                "fsName",
                                                LocalCluster.FS_NAME,
                                                "ostSize",
                                                "100Gi",
                                                "maxOsts",
                                                "16",
                                                "headroomPercent",
                                                "20",
                                                "stripeCount",
                                                "4"))
                                        .build())),
                // ---------------------------------------------------------- DeleteVolume
                c(
                        "DeleteVolume without an id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl().deleteVolume(DeleteVolumeRequest.getDefaultInstance())),
                c(
                        "DeleteVolume of an id with '../..' (nothing of ours: OK, nothing touched)",
                        Status.Code.OK,
                        t -> t.ctl()
                                .deleteVolume(DeleteVolumeRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:../../etc")
                                        .build())),
                c(
                        "DeleteVolume of a pool that does not exist (OK, nothing touched)",
                        Status.Code.OK,
                        t -> t.ctl()
                                .deleteVolume(DeleteVolumeRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:nopool:nofs:vol")
                                        .build())),
                c(
                        "DeleteVolume naming the pool itself as a dedicated volume",
                        Status.Code.FAILED_PRECONDITION,
                        t -> t.ctl()
                                .deleteVolume(DeleteVolumeRequest.newBuilder()
                                        .setVolumeId("v1:" + LocalCluster.NAMESPACE + ":" + LocalCluster.POOL + ":"
                                                + LocalCluster.FS_NAME + ":")
                                        .build())),
                // ---------------------------------------------------------- ControllerExpandVolume
                c(
                        "ControllerExpandVolume without an id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(GI))
                                        .build())),
                c(
                        "ControllerExpandVolume without a size",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .build())),
                c(
                        "ControllerExpandVolume negative size",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(-5))
                                        .build())),
                c(
                        "ControllerExpandVolume to 1 EiB",
                        Status.Code.RESOURCE_EXHAUSTED,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(1L << 60))
                                        .build())),
                c(
                        "ControllerExpandVolume to Long.MAX_VALUE (the pool's sum overflows)",
                        Status.Code.OUT_OF_RANGE,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(Long.MAX_VALUE))
                                        .build())),
                c(
                        "ControllerExpandVolume of an unknown volume",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:pvc-nobody")
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(GI))
                                        .build())),
                c(
                        "ControllerExpandVolume with block access",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setCapacityRange(
                                                CapacityRange.newBuilder().setRequiredBytes(200 * GI))
                                        .setVolumeCapability(block())
                                        .build())),
                // ---------------------------------------------------------- the other Controller RPCs
                c(
                        "ValidateVolumeCapabilities without an id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                                        .addVolumeCapabilities(rwx())
                                        .build())),
                c(
                        "ValidateVolumeCapabilities without capabilities",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                                        .setVolumeId(id())
                                        .build())),
                c(
                        "ValidateVolumeCapabilities of an unknown volume",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl()
                                .validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:pvc-nobody")
                                        .addVolumeCapabilities(rwx())
                                        .build())),
                c(
                        "ControllerGetVolume of a garbage id",
                        Status.Code.NOT_FOUND,
                        t -> t.ctl()
                                .controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                                        .setVolumeId("'; DROP TABLE volumes;--")
                                        .build())),
                c(
                        "ListVolumes with negative max_entries",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .listVolumes(ListVolumesRequest.newBuilder()
                                        .setMaxEntries(-1)
                                        .build())),
                c(
                        "ListVolumes with a forged starting_token",
                        Status.Code.ABORTED,
                        t -> t.ctl()
                                .listVolumes(ListVolumesRequest.newBuilder()
                                        .setStartingToken("../../../etc/passwd")
                                        .build())),
                c(
                        "GetCapacity with an unknown parameter",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.ctl()
                                .getCapacity(GetCapacityRequest.newBuilder()
                                        .putParameters("evil", "1")
                                        .build())),
                c(
                        "ControllerPublishVolume (not offered)",
                        Status.Code.UNIMPLEMENTED,
                        t -> t.ctl()
                                .controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setNodeId("node-1")
                                        .setVolumeCapability(rwx())
                                        .build())),
                c(
                        "CreateSnapshot (not offered)",
                        Status.Code.UNIMPLEMENTED,
                        t -> t.ctl()
                                .createSnapshot(CreateSnapshotRequest.newBuilder()
                                        .setSourceVolumeId(id())
                                        .setName("s")
                                        .build())),
                c(
                        "ControllerModifyVolume (not offered)",
                        Status.Code.UNIMPLEMENTED,
                        t -> t.ctl()
                                .controllerModifyVolume(ControllerModifyVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .putMutableParameters("stripeCount", "8")
                                        .build())),
                // ---------------------------------------------------------- NodeStageVolume
                c(
                        "NodeStageVolume without an id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node().nodeStageVolume(stage().setVolumeId("").build())),
                c(
                        "NodeStageVolume malformed id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(
                                        stage().setVolumeId("v1:../../etc").build())),
                c(
                        "NodeStageVolume id with a '..' subdir",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().setVolumeId("v1:lustre-csi:scratch:scratch:../x")
                                        .build())),
                c(
                        "NodeStageVolume staging path /etc",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(
                                        stage().setStagingTargetPath("/etc").build())),
                c(
                        "NodeStageVolume staging path escaping with '..'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().setStagingTargetPath(
                                                cluster.kubeletDir() + "/plugins/../../outside-kubelet")
                                        .build())),
                c(
                        "NodeStageVolume relative staging path",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().setStagingTargetPath("plugins/x/globalmount")
                                        .build())),
                c(
                        "NodeStageVolume without a capability",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().clearVolumeCapability().build())),
                c(
                        "NodeStageVolume block access",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(
                                        stage().setVolumeCapability(block()).build())),
                c(
                        "NodeStageVolume forbidden mount flag",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().setVolumeCapability(rwx("exec,suid"))
                                        .build())),
                // A managed volume without NIDs in its context takes them from its filesystem's status
                // (MgsNidsAtStageTest); a static one has nowhere else to find them.
                c(
                        "NodeStageVolume of a static volume without MGS NIDs",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stage().setVolumeId(staticId())
                                        .removeVolumeContext("mgsNids")
                                        .build())),
                c(
                        "NodeStageVolume MGS NIDs with a shell",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stageWithContext("mgsNids", "10.0.0.1@tcp;reboot")
                                        .build())),
                c(
                        "NodeStageVolume fsName contradicting the id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(
                                        stageWithContext("fsName", "other").build())),
                c(
                        "NodeStageVolume subdir escaping the volume",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stageWithContext(
                                                "subdir",
                                                "../" + pv.getMetadata().getName())
                                        .build())),
                c(
                        "NodeStageVolume mount options in the context with a shell",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeStageVolume(stageWithContext("mountOptions", "flock,`reboot`")
                                        .build())),
                c(
                        "NodeStageVolume over the staged path of another volume",
                        Status.Code.ALREADY_EXISTS,
                        t -> t.node()
                                .nodeStageVolume(stage().setVolumeId("v1:lustre-csi:scratch:scratch:pvc-other")
                                        .putVolumeContext("subdir", "pvc-other")
                                        .setStagingTargetPath(
                                                story.kubelet.stagingPath(pv).toString())
                                        .build())),
                // ---------------------------------------------------------- NodePublishVolume
                c(
                        "NodePublishVolume target /tmp/x",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(
                                        publish().setTargetPath("/tmp/x").build())),
                c(
                        "NodePublishVolume target escaping with '..'",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(publish()
                                        .setTargetPath(cluster.kubeletDir() + "/pods/../../outside-kubelet")
                                        .build())),
                c(
                        "NodePublishVolume target through a symlink out of the kubelet dir",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(publish()
                                        .setTargetPath(cluster.kubeletDir()
                                                + "/pods/evil-pod/volumes/kubernetes.io~csi/pv/mount")
                                        .build())),
                c(
                        "NodePublishVolume staging path that is not staged",
                        Status.Code.FAILED_PRECONDITION,
                        t -> t.node()
                                .nodePublishVolume(publish()
                                        .setStagingTargetPath(
                                                cluster.kubeletDir() + "/plugins/kubernetes.io/csi/never/globalmount")
                                        .build())),
                c(
                        "NodePublishVolume onto a regular file",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(publish()
                                        .setTargetPath(fileTarget().toString())
                                        .build())),
                c(
                        "NodePublishVolume without a capability",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(
                                        publish().clearVolumeCapability().build())),
                c(
                        "NodePublishVolume forbidden mount flag",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodePublishVolume(publish()
                                        .setVolumeCapability(rwx("dev"))
                                        .build())),
                c(
                        "NodePublishVolume read-only over the same target published read-write",
                        Status.Code.ALREADY_EXISTS,
                        t -> t.node()
                                .nodePublishVolume(NodePublishVolumeRequest.newBuilder(
                                                story.kubelet.publishRequest(pv, "pod-in-use"))
                                        .setReadonly(true)
                                        .build())),
                // ---------------------------------------------------------- unpublish, unstage, stats, expand
                c(
                        "NodeUnpublishVolume without a target",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .build())),
                c(
                        "NodeUnpublishVolume target /",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setTargetPath("/")
                                        .build())),
                c(
                        "NodeUnpublishVolume target through a symlink out of the kubelet dir",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setTargetPath(
                                                cluster.kubeletDir() + "/pods/evil-pod/volumes/kubernetes.io~csi/pv")
                                        .build())),
                c(
                        "NodeUnpublishVolume target of another volume's pod",
                        Status.Code.FAILED_PRECONDITION,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:pvc-other")
                                        .setTargetPath(story.kubelet
                                                .targetPath(pv, "pod-in-use")
                                                .toString())
                                        .build())),
                c(
                        "NodeUnpublishVolume of a regular file nobody mounted (OK, the file stays)",
                        Status.Code.OK,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setTargetPath(fileTarget().toString())
                                        .build())),
                c(
                        "NodeUnpublishVolume of an empty directory nobody mounted (OK, the directory stays)",
                        Status.Code.OK,
                        t -> t.node()
                                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setTargetPath(emptyTarget().toString())
                                        .build())),
                c(
                        "NodeUnstageVolume without an id",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
                                        .setStagingTargetPath(
                                                story.kubelet.stagingPath(pv).toString())
                                        .build())),
                c(
                        "NodeUnstageVolume staging path /proc",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setStagingTargetPath("/proc")
                                        .build())),
                c(
                        "NodeUnstageVolume of another volume's staging path",
                        Status.Code.FAILED_PRECONDITION,
                        t -> t.node()
                                .nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:pvc-other")
                                        .setStagingTargetPath(
                                                story.kubelet.stagingPath(pv).toString())
                                        .build())),
                c(
                        "NodeGetVolumeStats without a path",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                        .setVolumeId(id())
                                        .build())),
                c(
                        "NodeGetVolumeStats of /etc (no volume of ours is there)",
                        Status.Code.NOT_FOUND,
                        t -> t.node()
                                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setVolumePath("/etc")
                                        .build())),
                c(
                        "NodeGetVolumeStats of a malformed id (NOT_FOUND, as the controller answers)",
                        Status.Code.NOT_FOUND,
                        t -> t.node()
                                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                        .setVolumeId("'; DROP TABLE volumes;--")
                                        .setVolumePath(story.kubelet
                                                .targetPath(pv, "pod-in-use")
                                                .toString())
                                        .build())),
                c(
                        "NodeGetVolumeStats of an unknown volume at a published path",
                        Status.Code.NOT_FOUND,
                        t -> t.node()
                                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                        .setVolumeId("v1:lustre-csi:scratch:scratch:pvc-nobody")
                                        .setVolumePath(story.kubelet
                                                .targetPath(pv, "pod-in-use")
                                                .toString())
                                        .build())),
                c(
                        "NodeGetVolumeStats of a path that is not there",
                        Status.Code.NOT_FOUND,
                        t -> t.node()
                                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setVolumePath(cluster.kubeletDir()
                                                + "/pods/nobody/volumes/kubernetes.io~csi/pv/mount")
                                        .build())),
                c(
                        "NodeExpandVolume of /etc",
                        Status.Code.INVALID_ARGUMENT,
                        t -> t.node()
                                .nodeExpandVolume(NodeExpandVolumeRequest.newBuilder()
                                        .setVolumeId(id())
                                        .setVolumePath("/etc")
                                        .build())));
    }

    private static Case c(String name, Status.Code code, Consumer<HostileInputTest> call) {
        return new Case(name, code, call);
    }

    private dev.lustrecsi.csi.v1.ControllerGrpc.ControllerBlockingStub ctl() {
        return cluster.controllerStub();
    }

    private dev.lustrecsi.csi.v1.NodeGrpc.NodeBlockingStub node() {
        return cluster.nodeStub();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aBadRequestGetsItsCodeAndChangesNothing(Case c) {
        Snapshot before = snapshot();
        Status.Code got;
        try {
            c.call().accept(this);
            got = Status.Code.OK;
        } catch (StatusRuntimeException e) {
            got = e.getStatus().getCode();
        }
        assertThat(got).as(c.name()).isEqualTo(c.expected());
        assertThat(snapshot())
                .as("nothing created, deleted or mounted by: " + c.name())
                .isEqualTo(before);
    }

    @Test
    void hugeRequestsGetABoundedAnswerAndLogLine() throws Exception {
        Map<String, String> manyUnknown = new HashMap<>(scParameters);
        for (int i = 0; i < 10_000; i++) {
            manyUnknown.put("unknown" + i, "v");
        }
        Map<String, String> hugeValue = new HashMap<>(scParameters);
        hugeValue.put("ostSize", "9".repeat(1 << 20));
        List<Runnable> calls = List.of(
                () -> ctl().createVolume(create("pvc-huge")
                        .clearParameters()
                        .putAllParameters(manyUnknown)
                        .build()),
                () -> ctl().createVolume(create("pvc-huge")
                        .clearParameters()
                        .putAllParameters(hugeValue)
                        .build()),
                // 600k options in one flag: each refused one named would make a multi-megabyte trailer.
                () -> ctl().createVolume(create("pvc-huge")
                        .clearVolumeCapabilities()
                        .addVolumeCapabilities(rwx("o,".repeat(600_000)))
                        .build()),
                () -> node().nodePublishVolume(publish()
                        .setVolumeCapability(rwx("o,".repeat(600_000)))
                        .build()));
        for (Runnable call : calls) {
            Snapshot before = snapshot();
            StatusRuntimeException e =
                    org.assertj.core.api.Assertions.catchThrowableOfType(call::run, StatusRuntimeException.class);
            assertThat(e).isNotNull().has(status(Status.Code.INVALID_ARGUMENT));
            assertThat(e.getStatus().getDescription().getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(1024);
            assertThat(snapshot()).isEqualTo(before);
        }
        for (Path log : List.of(cluster.controller().log(), cluster.node().log())) {
            try (Stream<String> lines = Files.lines(log)) {
                assertThat(lines.mapToInt(String::length).max().orElse(0))
                        .as("longest line of " + log)
                        .isLessThan(4096);
            }
        }
    }

    @Test
    void aNewlineInAVolumeIdCannotForgeALogLineOrAnAnswerLine() throws Exception {
        String forged = "FORGED-" + System.nanoTime();
        String id = "v1:lustre-csi:scratch:scratch:pvc-x\n" + forged + " code=OK";
        List<Runnable> calls = List.of(
                () -> ctl().controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                        .setVolumeId(id)
                        .build()),
                () -> ctl().validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                        .setVolumeId(id)
                        .addVolumeCapabilities(rwx())
                        .build()),
                () -> node().nodeStageVolume(
                                stage().setVolumeId(id + "x".repeat(300)).build()),
                () -> node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                        .setVolumeId(id)
                        .setVolumePath(
                                story.kubelet.targetPath(pv, "pod-in-use").toString())
                        .build()));
        for (Runnable call : calls) {
            StatusRuntimeException e =
                    org.assertj.core.api.Assertions.catchThrowableOfType(call::run, StatusRuntimeException.class);
            assertThat(e).isNotNull();
            assertThat(e.getStatus().getDescription()).doesNotContain("\n");
        }
        for (Path log : List.of(cluster.controller().log(), cluster.node().log())) {
            try (Stream<String> lines = Files.lines(log)) {
                assertThat(lines.filter(l -> l.startsWith(forged)).toList())
                        .as("forged lines in " + log)
                        .isEmpty();
            }
        }
    }

    @Test
    void aReadOnlyPublishOverridesRwFromTheVolumesMountOptions() throws Exception {
        NodePublishVolumeRequest request = NodePublishVolumeRequest.newBuilder(
                        story.kubelet.publishRequest(pv, "pod-ro"))
                .setReadonly(true)
                .setVolumeCapability(rwx("rw"))
                .build();
        node().nodePublishVolume(request);
        Path target = story.kubelet.targetPath(pv, "pod-ro");
        try {
            assertThat(Story.mountsAt(target)).isEqualTo(1);
            assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                            .filter(l -> l.split(" ")[4].equals(target.toString()))
                            .map(l -> l.split(" ")[5]))
                    .singleElement()
                    .satisfies(opts -> assertThat(List.of(opts.split(","))).contains("ro"));
        } finally {
            node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                    .setVolumeId(id())
                    .setTargetPath(target.toString())
                    .build());
        }
        assertThat(Story.mountsAt(target)).isZero();
        assertThat(target).as("the target the plugin made is removed").doesNotExist();
    }
}
