package dev.lustrecsi.node;

import static dev.lustrecsi.testing.csi.CsiRequests.unpublish;
import static dev.lustrecsi.testing.csi.MetricsText.scrape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.LnetctlCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node plugin's gauges as Prometheus scrapes them: Lustre mounts counted in the real mount table (so a
 * restarted plugin reports what is mounted, not what it remembers) and the LNet network type the node has.
 */
@ExtendWith(NodePluginExtension.class)
class NodeMetricsTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    /** Registered as NodeMain registers it: the mount table and `lnetctl net show`, read at scrape time. */
    private PrometheusRegistry metrics() {
        PrometheusRegistry registry = new PrometheusRegistry();
        ProcessCommandRunner runner = new ProcessCommandRunner();
        LnetctlCommands lnetctl = new LnetctlCommands(plugin.standIns.toolPaths());
        new NodeMetrics("node-1", new NodePaths(plugin.kubelet), plugin.mounter::mounts, () -> {
                    CommandResult shown = runner.run(lnetctl.showNets(), Duration.ofSeconds(5));
                    return shown.succeeded()
                            ? Optional.of(LnetNetworks.parseNetShow(shown.stdout()))
                            : Optional.empty();
                })
                .register(registry);
        return registry;
    }

    @Test
    void countsStagedAndPublishedLustreMountsFromTheMountTable() throws Exception {
        PrometheusRegistry registry = metrics();
        assertThat(scrape(registry))
                .contains("lustre_node_mounts{kind=\"staging\",node=\"node-1\"} 0.0")
                .contains("lustre_node_mounts{kind=\"publish\",node=\"node-1\"} 0.0");

        plugin.volumeOnServer("fsa", "pvc-1");
        plugin.volumeOnServer("fsa", "pvc-2");
        NodeStageVolumeRequest one = plugin.stage("fsa", "pvc-1").build();
        NodeStageVolumeRequest two = plugin.stage("fsa", "pvc-2").build();
        plugin.node().nodeStageVolume(one);
        plugin.node().nodeStageVolume(two);
        NodePublishVolumeRequest podA = plugin.published(one, "pod-a");
        plugin.node().nodePublishVolume(plugin.publish(one, "pod-b").build());
        plugin.node().nodePublishVolume(plugin.publish(two, "pod-c").build());
        assertThat(scrape(registry))
                .contains("lustre_node_mounts{kind=\"staging\",node=\"node-1\"} 2.0")
                .contains("lustre_node_mounts{kind=\"publish\",node=\"node-1\"} 3.0");

        plugin.restart();
        assertThat(scrape(metrics()))
                .as("a restarted plugin reports the mounts that are there")
                .contains("lustre_node_mounts{kind=\"staging\",node=\"node-1\"} 2.0")
                .contains("lustre_node_mounts{kind=\"publish\",node=\"node-1\"} 3.0");

        plugin.node().nodeUnpublishVolume(unpublish(podA));
        assertThat(scrape(registry)).contains("lustre_node_mounts{kind=\"publish\",node=\"node-1\"} 2.0");
    }

    @Test
    void reportsTcpWhenTheNodeHasNoRdmaAdapter() throws Exception {
        PrometheusRegistry registry = metrics();
        plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        assertThat(scrape(registry))
                .contains("lustre_node_lnet_network{net=\"tcp\",node=\"node-1\"} 1.0")
                .contains("lustre_node_lnet_network{net=\"o2ib\",node=\"node-1\"} 0.0")
                .doesNotContain("net=\"lo\"");
    }

    @Test
    void reportsO2ibAndTcpOnANodeWithAnInfinibandAdapter() throws Exception {
        plugin.sysfs.infinibandDevice("mlx5_0", "ib0");
        plugin.standIns.interfaceAddress("ib0", "192.168.77.5");
        PrometheusRegistry registry = metrics();
        assertThat(scrape(registry))
                .as("before LNet is configured nothing is up")
                .contains("lustre_node_lnet_network{net=\"o2ib\",node=\"node-1\"} 0.0");
        plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        // tcp comes up too (on the default route): an RDMA node still mounts tcp filesystems.
        assertThat(scrape(registry))
                .contains("lustre_node_lnet_network{net=\"o2ib\",node=\"node-1\"} 1.0")
                .contains("lustre_node_lnet_network{net=\"tcp\",node=\"node-1\"} 1.0");
    }
}
