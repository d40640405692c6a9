package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.lustre.LnetNetworks;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What NodeGetInfo publishes as topology (kubelet makes these the Node's labels). */
@ExtendWith(NodePluginExtension.class)
class NodeTopologyTest {
    private static final String LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

    @Test
    void aReadyTcpNodePublishesItsNetworksClientVersionAndKernel(NodePlugin plugin) {
        NodeGetInfoResponse info = plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());

        assertThat(info.getAccessibleTopology().getSegmentsMap())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        DriverNames.TOPOLOGY_LNET_TCP, "true",
                        DriverNames.TOPOLOGY_LNET_O2IB, "false",
                        DriverNames.TOPOLOGY_CLIENT_VERSION, "2.15.6",
                        DriverNames.TOPOLOGY_KERNEL, NodeTopology.labelValue(System.getProperty("os.version"))));
        assertThat(info.getAccessibleTopology().getSegmentsMap().values()).allMatch(v -> v.matches(LABEL_VALUE));
        assertThat(plugin.standIns.calls("lctl")).contains("argv: get_param -n version");
    }

    @Test
    void aNodeWithoutClientModulesPublishesNoNetworkAndNoClient(NodePlugin plugin) {
        plugin.standIns.missingModules(true);

        Map<String, String> segments = plugin.topology();

        // allowedTopologies on lnet-tcp/lnet-o2ib "true" or on a client-version keeps volumes off this node.
        assertThat(segments)
                .containsEntry(DriverNames.TOPOLOGY_LNET_TCP, "false")
                .containsEntry(DriverNames.TOPOLOGY_LNET_O2IB, "false")
                .containsEntry(DriverNames.TOPOLOGY_CLIENT_VERSION, "none")
                .containsKey(DriverNames.TOPOLOGY_KERNEL);
    }

    @Test
    void anRdmaNodePublishesO2ib(NodePlugin plugin) {
        plugin.sysfs.infinibandDevice("mlx5_0", "ib0");
        plugin.standIns.interfaceAddress("ib0", "192.168.77.5");

        Map<String, String> segments = plugin.topology();

        assertThat(segments)
                .containsEntry(DriverNames.TOPOLOGY_LNET_O2IB, "true")
                .containsEntry(DriverNames.TOPOLOGY_CLIENT_VERSION, "2.15.6");
    }

    @Test
    void versionsAndKernelsBecomeValidLabelValues() {
        assertThat(NodeTopology.labelValue("2.15.6")).isEqualTo("2.15.6");
        assertThat(NodeTopology.labelValue("5.14.0-362.8.1.el9_3.x86_64+debug"))
                .isEqualTo("5.14.0-362.8.1.el9_3.x86_64_debug");
        assertThat(NodeTopology.labelValue("2.15.62_23_g1d3e8f7 ")).isEqualTo("2.15.62_23_g1d3e8f7");
        assertThat(NodeTopology.labelValue("-weird-")).isEqualTo("weird");
        assertThat(NodeTopology.labelValue("+++")).isEqualTo("unknown");
        assertThat(NodeTopology.labelValue("6." + "1".repeat(100))).hasSize(63).matches(LABEL_VALUE);
    }

    @Test
    void clientVersionIsReadFromOldAndNewLctlOutput() {
        assertThat(LnetConfigurator.parseVersion("2.15.6\n")).contains("2.15.6");
        assertThat(LnetConfigurator.parseVersion("lustre: 2.10.8\nkernel: patchless_client\nbuild: 2.10.8-RC1\n"))
                .contains("2.10.8");
        assertThat(LnetConfigurator.parseVersion("")).isEmpty();

        LnetState state = new LnetState(
                true,
                new LnetNetworks(List.of(new LnetNetworks.LocalNi("tcp", "10.0.0.5@tcp", "up", List.of("eth0")))),
                Optional.of("2.15.5"),
                "6.1.0-13-amd64",
                "ready");
        assertThat(NodeTopology.segments(state))
                .containsEntry(DriverNames.TOPOLOGY_KERNEL, "6.1.0-13-amd64")
                .containsEntry(DriverNames.TOPOLOGY_LNET_TCP, "true");
    }
}
