package dev.lustrecsi.lustre;

import java.util.List;

/** Command lines of modprobe(8) for the Lustre client kernel modules. */
public final class ModprobeCommands {
    /** The client stack: loading {@code lustre} pulls in lnet, ptlrpc, the LNet drivers on demand, ... */
    public static final String LUSTRE_CLIENT = "lustre";

    public static final String LNET = "lnet";

    private final ToolPaths tools;

    public ModprobeCommands(ToolPaths tools) {
        this.tools = tools;
    }

    public List<String> load(String module) {
        if (!module.matches("[a-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("invalid kernel module name '" + module + "'");
        }
        return List.of(tools.modprobe(), module);
    }
}
