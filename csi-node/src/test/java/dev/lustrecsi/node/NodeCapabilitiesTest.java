package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.v1.NodeGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.NodeServiceCapability.RPC.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NodePluginExtension.class)
class NodeCapabilitiesTest {

    @Test
    void advertisesStagingStatsConditionsAndMultiWriter(NodePlugin plugin) {
        assertThat(plugin.node()
                        .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                        .getCapabilitiesList())
                .extracting(c -> c.getRpc().getType())
                .containsExactlyInAnyOrder(
                        Type.STAGE_UNSTAGE_VOLUME,
                        Type.GET_VOLUME_STATS,
                        Type.VOLUME_CONDITION,
                        Type.SINGLE_NODE_MULTI_WRITER)
                .doesNotContain(Type.EXPAND_VOLUME);
    }
}
