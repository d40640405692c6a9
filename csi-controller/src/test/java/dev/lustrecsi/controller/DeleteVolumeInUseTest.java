package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.StagedFilesets;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeleteVolume of a volume some node still has staged or published (its node plugin lists it on its own Node) is
 * refused with FAILED_PRECONDITION naming the node, and deletes nothing; once no node lists it, it is deleted.
 */
@MockKubernetes
class DeleteVolumeInUseTest {
    KubernetesClient client;

    @TempDir
    Path tmp;

    ControllerFixture f;

    @BeforeEach
    void setUp() {
        f = new ControllerFixture(client, tmp.resolve("pools"), Duration.ofMillis(200), true);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    /** What the node plugin writes on its own Node: the filesets it has mounted (null: none). */
    private void nodeRecord(String node, String filesets) {
        client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(node)
                        .withAnnotations(filesets == null ? Map.of() : Map.of(StagedFilesets.ANNOTATION, filesets))
                        .endMetadata()
                        .build())
                .createOr(existing -> existing.update());
    }

    private void awaitInformer(BooleanSupplier seen) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(20);
        while (!seen.getAsBoolean()) {
            assertThat(Instant.now())
                    .as("the controller's Node informer caught up")
                    .isBefore(until);
            Thread.sleep(20);
        }
    }

    private Volume poolVolume(String name) {
        Map<String, String> params = dev.lustrecsi.testing.csi.StorageClassParams.pool("alpha");
        try {
            return f.stub.createVolume(create(name, 10 * GI, params).build()).getVolume();
        } catch (io.grpc.StatusRuntimeException e) {
            assertThat(e).has(status(Status.Code.UNAVAILABLE));
            f.markReady("alpha", "10.1.0.1@tcp");
            return f.stub.createVolume(create(name, 10 * GI, params).build()).getVolume();
        }
    }

    @Test
    void aSharedPoolVolumeStagedOnANodeIsNotDeletedUntilNoNodeListsIt() throws Exception {
        Volume v = poolVolume("pvc-busy");
        poolVolume("pvc-other");
        VolumeId id = VolumeId.parse(v.getVolumeId());
        Path dir = f.serverRoot("10.1.0.1@tcp", "alpha").resolve("pvc-busy");
        assertThat(dir).isDirectory();
        Files.writeString(dir.resolve("results.csv"), "a job's output");

        nodeRecord("worker-1", "/alpha/pvc-other");
        nodeRecord("worker-2", "/alpha/pvc-busy,/beta/pvc-busy");
        awaitInformer(() -> !f.inUse.nodesUsing(id).isEmpty());

        DeleteVolumeRequest delete =
                DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build();
        assertThatThrownBy(() -> f.stub.deleteVolume(delete)).satisfies(e -> {
            Status s = Status.fromThrowable(e);
            assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(s.getDescription()).contains("worker-2").doesNotContain("worker-1");
        });
        assertThat(dir.resolve("results.csv")).hasContent("a job's output");
        assertThat(f.records("alpha")).containsKey("pvc-busy");
        // The orphan collector's way in is refused alike.
        assertThatThrownBy(() -> f.kinds.reclaim(id)).has(status(Status.Code.FAILED_PRECONDITION));

        // The node unstages: its plugin rewrites the record without the volume.
        nodeRecord("worker-2", "/beta/pvc-busy");
        awaitInformer(() -> f.inUse.nodesUsing(id).isEmpty());
        f.stub.deleteVolume(delete);
        assertThat(dir).doesNotExist();
        assertThat(f.records("alpha")).doesNotContainKey("pvc-busy");
    }

    @Test
    void aNodeThatIsDeletedNoLongerHoldsTheVolume() throws Exception {
        Volume v = poolVolume("pvc-dead-node");
        VolumeId id = VolumeId.parse(v.getVolumeId());
        nodeRecord("worker-gone", "/alpha/pvc-dead-node");
        awaitInformer(() -> f.inUse.nodesUsing(id).equals(List.of("worker-gone")));
        assertThatThrownBy(() -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId(v.getVolumeId())
                        .build()))
                .satisfies(e ->
                        assertThat(Status.fromThrowable(e).getDescription()).contains("worker-gone"));

        client.nodes().withName("worker-gone").delete();
        awaitInformer(() -> f.inUse.nodesUsing(id).isEmpty());
        f.stub.deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());
        assertThat(f.records("alpha")).doesNotContainKey("pvc-dead-node");
    }

    @Test
    void aDedicatedFilesystemIsNotDeletedWhileAnyNodeMountsItOrADirectoryInIt() throws Exception {
        Map<String, String> params = dev.lustrecsi.testing.csi.StorageClassParams.dedicated();
        String name = "pvc-0b3c2d1e-aaaa-bbbb-cccc-00000000d001";
        assertThatThrownBy(
                        () -> f.stub.createVolume(create(name, 100 * GI, params).build()))
                .has(status(Status.Code.UNAVAILABLE));
        LustreFileSystem fs = f.fileSystem(name).orElseThrow();
        f.markReady(name, "10.3.0.1@tcp");
        Volume v = f.stub.createVolume(create(name, 100 * GI, params).build()).getVolume();
        String fsName = fs.getSpec().getFsName();
        DeleteVolumeRequest delete =
                DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build();
        VolumeId id = VolumeId.parse(v.getVolumeId());

        // A static volume of one directory in it, mounted on a node, is data in the filesystem too.
        nodeRecord("worker-3", "/" + fsName + "/results");
        awaitInformer(() -> !f.inUse.nodesUsing(id).isEmpty());
        assertThatThrownBy(() -> f.stub.deleteVolume(delete))
                .has(status(Status.Code.FAILED_PRECONDITION))
                .satisfies(e ->
                        assertThat(Status.fromThrowable(e).getDescription()).contains("worker-3"));
        assertThat(f.fileSystem(name)).isPresent();

        // Another filesystem whose name starts alike does not hold it.
        nodeRecord("worker-3", "/" + fsName + "x");
        awaitInformer(() -> f.inUse.nodesUsing(id).isEmpty());
        f.stub.deleteVolume(delete);
        assertThat(f.fileSystem(name)).isEmpty();
    }
}
