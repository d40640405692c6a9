package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The LNet networks configured on this node, as {@code lnetctl net show} reports them: 2.15 prints
 * <pre>
 * net:
 *     - net type: tcp
 *       local NI(s):
 *         - nid: 10.0.0.5@tcp
 *           status: up
 *           interfaces:
 *               0: eth0
 * </pre>
 * and 2.17.0 puts the sequence dash in the first column followed by five spaces (real transcript 006):
 * <pre>
 * net:
 * -     net type: tcp
 *       local NI(s):
 *       -     nid: 10.0.2.15@tcp
 * </pre>
 * Both are read line by line, the dash and its padding folded to {@code "- "}.
 * The loopback network {@code lo} is left out: it is always there and reaches no server.
 */
public record LnetNetworks(List<LocalNi> interfaces) {

    /** One local network interface (NI) of LNet. */
    public record LocalNi(String net, String nid, String status, List<String> interfaces) {
        /** The driver type: {@code tcp} or {@code o2ib}. */
        public String networkType() {
            return net.startsWith("o2ib") ? "o2ib" : net.replaceAll("\\d+$", "");
        }

        public boolean isUp() {
            return "up".equals(status);
        }
    }

    public LnetNetworks {
        interfaces = List.copyOf(interfaces);
    }

    public static LnetNetworks parseNetShow(String yaml) {
        List<LocalNi> result = new ArrayList<>();
        String net = null;
        String nid = null;
        String status = null;
        List<String> ifaces = new ArrayList<>();
        boolean inInterfaces = false;
        for (String raw : yaml.split("\n")) {
            String line = raw.strip().replaceFirst("^-\\s+", "- ");
            if (line.startsWith("- net type:")) {
                add(result, net, nid, status, ifaces);
                net = value(line);
                nid = null;
                status = null;
                ifaces = new ArrayList<>();
                inInterfaces = false;
            } else if (line.startsWith("- nid:")) {
                add(result, net, nid, status, ifaces);
                nid = value(line);
                status = null;
                ifaces = new ArrayList<>();
                inInterfaces = false;
            } else if (line.startsWith("status:")) {
                status = value(line);
            } else if (line.equals("interfaces:")) {
                inInterfaces = true;
            } else if (inInterfaces && line.matches("\\d+: \\S+")) {
                ifaces.add(value(line));
            } else if (!line.isEmpty()) {
                inInterfaces = false;
            }
        }
        add(result, net, nid, status, ifaces);
        return new LnetNetworks(result);
    }

    private static void add(List<LocalNi> out, String net, String nid, String status, List<String> ifaces) {
        if (net != null && nid != null && !"lo".equals(net)) {
            out.add(new LocalNi(net, nid, status == null ? "unknown" : status, List.copyOf(ifaces)));
        }
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).strip();
    }

    /** Whether some NI of this network type (tcp, o2ib) is up. */
    public boolean hasNetworkType(String type) {
        return interfaces.stream().anyMatch(ni -> ni.networkType().equals(type) && ni.isUp());
    }

    /** Whether LNet network {@code net} (e.g. o2ib, tcp) already has an NI on {@code iface}. */
    public boolean hasNi(String net, String iface) {
        return interfaces.stream()
                .anyMatch(ni -> ni.net().equals(net) && ni.interfaces().contains(iface));
    }

    public Optional<LocalNi> onInterface(String iface) {
        return interfaces.stream().filter(ni -> ni.interfaces().contains(iface)).findFirst();
    }

    public List<String> nets() {
        return interfaces.stream().map(LocalNi::net).distinct().toList();
    }
}
