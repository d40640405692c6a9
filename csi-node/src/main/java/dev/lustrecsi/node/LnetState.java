package dev.lustrecsi.node;

import dev.lustrecsi.lustre.LnetNetworks;
import java.util.List;
import java.util.Optional;

/**
 * What the node's Lustre client stack looks like: whether the modules and LNet are up, the LNet
 * networks it has, the loaded client's version and the kernel it runs on (all reported as topology),
 * and why not when it is not ready.
 */
public record LnetState(
        boolean ready, LnetNetworks networks, Optional<String> clientVersion, String kernelRelease, String detail) {

    public static LnetState notReady(Optional<String> clientVersion, String kernelRelease, String detail) {
        return new LnetState(false, new LnetNetworks(List.of()), clientVersion, kernelRelease, detail);
    }

    public boolean hasTcp() {
        return networks.hasNetworkType("tcp");
    }

    public boolean hasO2ib() {
        return networks.hasNetworkType("o2ib");
    }

    /** Network types (tcp, o2ib) with an NI that is up. */
    public List<String> networkTypes() {
        return networks.interfaces().stream()
                .filter(LnetNetworks.LocalNi::isUp)
                .map(LnetNetworks.LocalNi::networkType)
                .distinct()
                .sorted()
                .toList();
    }
}
