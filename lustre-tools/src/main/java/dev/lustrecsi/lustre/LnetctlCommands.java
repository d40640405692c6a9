package dev.lustrecsi.lustre;

import java.util.List;
import java.util.regex.Pattern;

/** Command lines of Lustre's {@code lnetctl} (LNet configuration). */
public final class LnetctlCommands {
    private static final Pattern NET = Pattern.compile("(tcp|o2ib)\\d{0,3}");
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}");

    private final ToolPaths tools;

    public LnetctlCommands(ToolPaths tools) {
        this.tools = tools;
    }

    /** {@code lnetctl lnet configure}: brings LNet up (loopback only until networks are added). */
    public List<String> configure() {
        return List.of(tools.lnetctl(), "lnet", "configure");
    }

    /** {@code lnetctl net add --net <net> --if <interface>}. */
    public List<String> addNet(String net, String iface) {
        requireNet(net);
        requireInterface(iface);
        return List.of(tools.lnetctl(), "net", "add", "--net", net, "--if", iface);
    }

    /**
     * Whether a failed {@code lnetctl net add} said the NI is already there: the errno -17 (EEXIST) of its YAML error
     * ({@code errno: -17}, descr "cannot add LNet NI" on 2.17.0 with exit 234, real transcript 019; 2.15 prints the
     * same errno with "cannot add network: File exists"). Not the exit code: 234 is every -EINVAL-ish failure too.
     */
    public static boolean alreadyAdded(CommandResult result) {
        return !result.succeeded()
                && !result.timedOut()
                && (result.stderr() + "\n" + result.stdout())
                        .lines()
                        .map(String::strip)
                        .anyMatch(l -> l.equals("errno: -17"));
    }

    /**
     * {@code lnetctl net show}: YAML, parsed by {@link LnetNetworks#parseNetShow(String)}. Decide what is configured
     * from that YAML, never from the exit code of {@code net show --net X}: 2.17.0 exits 234 (errno -3) when X is
     * missing (real transcript 008) but 2.15 exits 0 with nothing printed (lnet/utils/lnetconfig/liblnetconfig.c
     * lustre_lnet_show_net, ioctl path: the loop ends on ENOENT with rc 0 whether or not anything matched).
     */
    public List<String> showNets() {
        return List.of(tools.lnetctl(), "net", "show");
    }

    /** {@code lnetctl ping <nid>}: whether a peer (e.g. an MGS) answers over LNet. */
    public List<String> ping(Nid nid) {
        return List.of(tools.lnetctl(), "ping", nid.toString());
    }

    public static boolean isValidInterfaceName(String iface) {
        return iface != null && INTERFACE.matcher(iface).matches();
    }

    private static void requireNet(String net) {
        if (net == null || !NET.matcher(net).matches()) {
            throw new IllegalArgumentException("invalid LNet network '" + net + "': expected tcp[N] or o2ib[N]");
        }
    }

    private static void requireInterface(String iface) {
        if (!isValidInterfaceName(iface)) {
            throw new IllegalArgumentException("invalid network interface name '" + iface + "'");
        }
    }
}
