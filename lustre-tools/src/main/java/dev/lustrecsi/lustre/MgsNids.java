package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;

/**
 * The NIDs of the MGS as a client names them in a mount source. Each inner list is one MGS
 * node (its NIDs on several networks, joined by ','); failover MGS nodes are joined by ':'.
 * So {@code 10.0.0.1@tcp,192.168.0.1@o2ib:10.0.0.2@tcp} is two nodes, the first on two networks.
 */
public record MgsNids(List<List<Nid>> nodes) {

    public MgsNids {
        if (nodes == null || nodes.isEmpty() || nodes.stream().anyMatch(n -> n == null || n.isEmpty())) {
            throw new IllegalArgumentException("at least one MGS node with at least one NID is required");
        }
        nodes = nodes.stream().map(List::copyOf).toList();
    }

    public static MgsNids parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("MGS NIDs are empty");
        }
        List<List<Nid>> nodes = new ArrayList<>();
        for (String node : text.split(":", -1)) {
            List<Nid> nids = new ArrayList<>();
            for (String nid : node.split(",", -1)) {
                nids.add(Nid.parse(nid));
            }
            nodes.add(nids);
        }
        return new MgsNids(nodes);
    }

    /** One MGS node per NID (e.g. a primary and a failover MGS each reachable by one NID). */
    public static MgsNids ofFailoverNodes(List<Nid> nids) {
        return new MgsNids(nids.stream().map(List::of).toList());
    }

    /** The LNet network types (tcp, o2ib) a client needs to reach at least one MGS NID. */
    public List<String> networkTypes() {
        return nodes.stream()
                .flatMap(List::stream)
                .map(Nid::networkType)
                .distinct()
                .sorted()
                .toList();
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (List<Nid> node : nodes) {
            parts.add(String.join(",", node.stream().map(Nid::toString).toList()));
        }
        return String.join(":", parts);
    }
}
