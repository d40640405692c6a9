package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.CsiRequests.unstage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.v1.NodeGetVolumeStatsRequest;
import dev.lustrecsi.csi.v1.NodeGetVolumeStatsResponse;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.VolumeUsage;
import dev.lustrecsi.lustre.testing.HungUnmounts;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mounts whose servers go away: the condition kubelet reports says why, the pods using the volume get
 * an Event, and unpublish/unstage still free the node when the kernel will not let go.
 */
@ExtendWith(NodePluginExtension.class)
class SelfHealingMountsTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    private NodeGetVolumeStatsResponse stats(NodePublishVolumeRequest publish) {
        return plugin.node()
                .nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                        .setVolumeId(publish.getVolumeId())
                        .setVolumePath(publish.getTargetPath())
                        .build());
    }

    private NodePublishVolumeRequest stageAndPublish(String fs, String volume, String podUid) {
        return plugin.published(plugin.stagedVolume(fs, volume), podUid);
    }

    @Test
    void aVolumeWhoseTargetsDisconnectedIsAbnormalAndSaysWhy() {
        NodePublishVolumeRequest publish = stageAndPublish("fsd", "pvc-1", "pod-a");
        assertThat(stats(publish).getVolumeCondition().getAbnormal()).isFalse();

        plugin.standIns.importState("fsd", "DISCONN");
        NodeGetVolumeStatsResponse lost = stats(publish);

        assertThat(lost.getVolumeCondition().getAbnormal()).isTrue();
        assertThat(lost.getVolumeCondition().getMessage())
                .contains("lost its servers")
                .contains(
                        "lost its servers: fsd-MDT0000 DISCONN via 10.7.0.1@tcp, fsd-OST0000 DISCONN via 10.7.0.1@tcp;")
                .contains("MGS 10.7.0.1@tcp answers LNet ping");
        // statfs still answered (from the client's cache): usage is still reported.
        assertThat(lost.getUsageList()).extracting(VolumeUsage::getUnit).contains(VolumeUsage.Unit.BYTES);

        plugin.standIns.peerDown("10.7.0.1@tcp", true);
        assertThat(stats(publish).getVolumeCondition().getMessage())
                .contains("no MGS NID answers LNet ping (10.7.0.1@tcp: failed to ping 10.7.0.1@tcp: No route to host)");

        plugin.standIns.importState("fsd", "FULL");
        plugin.standIns.peerDown("10.7.0.1@tcp", false);
        assertThat(stats(publish).getVolumeCondition().getAbnormal()).isFalse();
        assertThat(plugin.standIns.calls("lctl")).contains("argv: get_param -n mdc.fsd-*.import osc.fsd-*.import");
        assertThat(plugin.standIns.calls("lnetctl")).contains("argv: ping 10.7.0.1@tcp");
    }

    @Test
    void anIdleOstImportIsNotAProblem() {
        NodePublishVolumeRequest publish = stageAndPublish("fsi", "pvc-2", "pod-b");
        plugin.standIns.importState("fsi", "IDLE");
        assertThat(stats(publish).getVolumeCondition().getAbnormal()).isFalse();
        plugin.standIns.importState("fsi", "EVICTED");
        assertThat(stats(publish).getVolumeCondition().getMessage()).contains("EVICTED");
    }

    @Test
    void unpublishAndUnstageFreeTheNodeWhenTheKernelNeverReturnsFromUnmount() throws Exception {
        NodePublishVolumeRequest publish = stageAndPublish("fsk", "pvc-3", "pod-c");
        NodeStageVolumeRequest stage = plugin.stage("fsk", "pvc-3").build();
        HungUnmounts kernel = new HungUnmounts();
        plugin.libc = kernel.libc();
        plugin.restart();

        try {
            plugin.node().nodeUnpublishVolume(unpublish(publish));
            plugin.node().nodeUnstageVolume(unstage(stage));
        } finally {
            kernel.release();
        }

        assertThat(kernel.umounts()).containsExactly("normal", "force", "lazy", "normal", "force", "lazy");
        assertThat(plugin.mountsBelowRoot()).isEmpty();
        assertThat(Path.of(publish.getTargetPath())).doesNotExist();
    }

    @Test
    void aVolumeWhoseServerHangsIsAbnormalAndStillUnpublishesAndUnstages() {
        plugin.standIns.hangServer("fsh", true);
        NodePublishVolumeRequest publish = stageAndPublish("fsh", "pvc-6", "pod-d");
        NodeStageVolumeRequest stage = plugin.stage("fsh", "pvc-6").build();

        NodeGetVolumeStatsResponse hung = stats(publish);
        assertThat(hung.getVolumeCondition().getAbnormal()).isTrue();
        assertThat(hung.getVolumeCondition().getMessage())
                .contains("not answering")
                .contains("fsh-MDT0000 CONNECTING");

        // The server never answers again (no release): unpublish and unstage still free the node.
        plugin.node().nodeUnpublishVolume(unpublish(publish));
        plugin.node().nodeUnstageVolume(unstage(stage));
        assertThat(plugin.mountsBelowRoot()).isEmpty();
    }

    /** A running pod {@code name} in namespace science, scheduled to {@code node}. */
    private static Pod pod(MockApi api, String name, String node) {
        return api.client
                .pods()
                .inNamespace("science")
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace("science")
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName(node)
                        .addNewContainer()
                        .withName("main")
                        .withImage("busybox")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
    }

    @Test
    void podsUsingAVolumeThatLostItsServersGetAnEventAndAnotherWhenItRecovers() {
        try (MockApi api = new MockApi()) {
            Pod user = pod(api, "simulation-0", "node-1");
            Pod bystander = pod(api, "other-0", "node-1");
            // A pod of the same name space elsewhere must not get this node's events.
            pod(api, "elsewhere-0", "node-2");
            String uid = user.getMetadata().getUid();
            assertThat(uid).isNotBlank();
            stageAndPublish("fsw", "pvc-4", uid);
            stageAndPublish("fsv", "pvc-5", bystander.getMetadata().getUid());
            MountWatcher watcher = new MountWatcher(
                    plugin.mounter,
                    plugin.stats,
                    new NodePaths(plugin.kubelet),
                    new KubernetesPodEvents(api.client, "node-1"));

            assertThat(watcher.checkOnce())
                    .hasSize(2)
                    .allSatisfy((path, health) -> assertThat(health.abnormal()).isFalse());
            assertThat(api.client.v1().events().inNamespace("science").list().getItems())
                    .isEmpty();

            plugin.standIns.importState("fsw", "DISCONN");
            watcher.checkOnce();
            watcher.checkOnce(); // still broken: told once, not on every pass

            List<Event> events =
                    api.client.v1().events().inNamespace("science").list().getItems();
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid);
                assertThat(e.getInvolvedObject().getName()).isEqualTo("simulation-0");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getReason()).isEqualTo(MountWatcher.REASON_UNHEALTHY);
                assertThat(e.getMessage()).contains("volume fsw-pvc-4").contains("fsw-OST0000 DISCONN");
                assertThat(e.getSource().getComponent()).isEqualTo("lustre-csi-node");
                assertThat(e.getSource().getHost()).isEqualTo("node-1");
            });

            plugin.standIns.importState("fsw", null);
            watcher.checkOnce();

            assertThat(api.client.v1().events().inNamespace("science").list().getItems())
                    .extracting(Event::getReason, Event::getType)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(MountWatcher.REASON_UNHEALTHY, "Warning"),
                            org.assertj.core.groups.Tuple.tuple(MountWatcher.REASON_RECOVERED, "Normal"));
            assertThat(api.client.v1().events().inNamespace("science").list().getItems())
                    .allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid));
        }
    }
}
