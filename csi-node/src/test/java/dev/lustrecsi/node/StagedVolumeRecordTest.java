package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.StagedFilesets;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node plugin records the volumes it has staged or published on its own Node (what DeleteVolume reads), from
 * its mount table: before a stage mounts, after an unstage, and when the periodic pass finds the record wrong.
 */
class StagedVolumeRecordTest {
    @TempDir
    Path dir;

    private final MockApi api = new MockApi();
    private NodePlugin plugin;

    @AfterEach
    void stop() {
        if (plugin != null) {
            plugin.close();
        }
        api.close();
    }

    private void node(String name, Map<String, String> annotations) {
        api.client
                .nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withAnnotations(annotations)
                        .endMetadata()
                        .build())
                .create();
    }

    private String record(String node) {
        Map<String, String> annotations =
                api.client.nodes().withName(node).get().getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(StagedFilesets.ANNOTATION);
    }

    private static NodeUnstageVolumeRequest unstage(NodeStageVolumeRequest s) {
        return NodeUnstageVolumeRequest.newBuilder()
                .setVolumeId(s.getVolumeId())
                .setStagingTargetPath(s.getStagingTargetPath())
                .build();
    }

    @Test
    void stagedVolumesAreListedOnTheNodesOwnNodeUntilTheyAreUnstaged() {
        node("node-1", Map.of("team", "hpc"));
        node("node-2", Map.of());
        plugin = new NodePlugin(dir, api.client);
        plugin.volumeOnServer("fsa", "pvc-1");
        plugin.volumeOnServer("fsb", "pvc-2");
        NodeStageVolumeRequest first = plugin.stage("fsa", "pvc-1").build();
        NodeStageVolumeRequest second = plugin.stage("fsb", "pvc-2").build();

        plugin.node().nodeStageVolume(first);
        assertThat(record("node-1")).isEqualTo("/fsa/pvc-1");
        NodePublishVolumeRequest publish = plugin.published(first, "pod-1");
        plugin.node().nodeStageVolume(second);
        assertThat(record("node-1")).isEqualTo("/fsa/pvc-1,/fsb/pvc-2");

        plugin.node()
                .nodeUnpublishVolume(dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(publish.getVolumeId())
                        .setTargetPath(publish.getTargetPath())
                        .build());
        plugin.node().nodeUnstageVolume(unstage(first));
        assertThat(record("node-1")).isEqualTo("/fsb/pvc-2");
        plugin.node().nodeUnstageVolume(unstage(second));
        // Nothing staged: no annotation at all; the Node's other annotations and the other Node are untouched.
        assertThat(record("node-1")).isNull();
        assertThat(api.client.nodes().withName("node-1").get().getMetadata().getAnnotations())
                .containsEntry("team", "hpc");
        assertThat(record("node-2")).isNull();
    }

    @Test
    void aStageWhoseRecordCannotBeWrittenFailsUnavailableAndMountsNothing() {
        // An API server that does not answer.
        try (KubernetesClient unreachable = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl("http://127.0.0.1:9")
                        .withRequestRetryBackoffLimit(0)
                        .withConnectionTimeout(500)
                        .withRequestTimeout(500)
                        .build())
                .build()) {
            plugin = new NodePlugin(dir, unreachable);
            plugin.volumeOnServer("fsa", "pvc-1");
            NodeStageVolumeRequest stage = plugin.stage("fsa", "pvc-1").build();

            assertThatThrownBy(() -> plugin.node().nodeStageVolume(stage))
                    .has(status(Status.Code.UNAVAILABLE))
                    .hasMessageContaining("node-1");
            assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isZero();
        }
    }

    @Test
    void theRecordIsCorrectedFromTheMountTableAfterARestartOrAnEdit() {
        node("node-1", Map.of());
        plugin = new NodePlugin(dir, api.client);
        plugin.volumeOnServer("fsa", "pvc-1");
        plugin.node().nodeStageVolume(plugin.stage("fsa", "pvc-1").build());
        assertThat(record("node-1")).isEqualTo("/fsa/pvc-1");

        // Someone rewrites the record; the plugin restarts (nothing of it survives but the node's mounts).
        api.client
                .nodes()
                .withName("node-1")
                .edit(n -> new NodeBuilder(n)
                        .editMetadata()
                        .addToAnnotations(StagedFilesets.ANNOTATION, "/fsz/pvc-9")
                        .endMetadata()
                        .build());
        plugin.restart();
        plugin.staged.correct();

        assertThat(record("node-1")).isEqualTo("/fsa/pvc-1");
    }

    @Test
    void withoutANodeObjectTheStageStillMounts() {
        plugin = new NodePlugin(dir, api.client);
        plugin.volumeOnServer("fsa", "pvc-1");
        NodeStageVolumeRequest stage = plugin.staged(plugin.stage("fsa", "pvc-1"));

        assertThat(plugin.mountsAt(Path.of(stage.getStagingTargetPath()))).isEqualTo(1);
    }
}
