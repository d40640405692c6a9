package dev.lustrecsi.node;

import dev.lustrecsi.csi.DriverNames;
import java.util.Map;
import java.util.TreeMap;

/**
 * The topology segments NodeGetInfo publishes, which kubelet turns into labels of this Node: the LNet
 * networks that are up ({@code lnet-tcp}, {@code lnet-o2ib}: "true"/"false"), the Lustre client version
 * ({@code client-version}, "none" without a loaded client) and the kernel release ({@code kernel}).
 * A StorageClass's {@code allowedTopologies} on these keeps RDMA volumes off TCP-only nodes and volumes
 * off nodes without a (matching) client. Every node publishes every key, so the external-provisioner,
 * which aggregates topology over nodes with the same keys, sees one consistent set.
 */
final class NodeTopology {
    static final String NO_CLIENT = "none";
    private static final int MAX_LABEL_VALUE = 63;

    private NodeTopology() {}

    static Map<String, String> segments(LnetState state) {
        Map<String, String> s = new TreeMap<>();
        s.put(DriverNames.TOPOLOGY_LNET_TCP, Boolean.toString(state.hasTcp()));
        s.put(DriverNames.TOPOLOGY_LNET_O2IB, Boolean.toString(state.hasO2ib()));
        s.put(
                DriverNames.TOPOLOGY_CLIENT_VERSION,
                state.clientVersion().map(NodeTopology::labelValue).orElse(NO_CLIENT));
        s.put(DriverNames.TOPOLOGY_KERNEL, labelValue(state.kernelRelease()));
        return s;
    }

    /**
     * {@code raw} as a valid Kubernetes label value (at most 63 characters of {@code [A-Za-z0-9._-]},
     * beginning and ending with a letter or digit): other characters become '_' (a kernel release such as
     * {@code 5.14.0-362.el9.x86_64+debug} has a '+'), the end is cut, "unknown" if nothing is left.
     */
    static String labelValue(String raw) {
        String v = raw == null ? "" : raw.strip().replaceAll("[^A-Za-z0-9._-]", "_");
        if (v.length() > MAX_LABEL_VALUE) {
            v = v.substring(0, MAX_LABEL_VALUE);
        }
        v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
        return v.isEmpty() ? "unknown" : v;
    }
}
