package dev.lustrecsi.lustre;

import java.util.List;

/** Command lines of Lustre's {@code lctl} used on client nodes. */
public final class LctlCommands {
    private final ToolPaths tools;

    public LctlCommands(ToolPaths tools) {
        this.tools = tools;
    }

    /** {@code lctl list_nids}: the node's own NIDs, one per line. */
    public List<String> listNids() {
        return List.of(tools.lctl(), "list_nids");
    }

    /** {@code lctl get_param -n version}: the loaded Lustre client's version. */
    public List<String> clientVersion() {
        return List.of(tools.lctl(), "get_param", "-n", "version");
    }
}
