package dev.lustrecsi.lustre;

import java.util.List;

/**
 * Command lines that ask a Lustre client how its connections ("imports") to the servers of one
 * filesystem are doing: {@code lctl get_param -n mdc.<fsname>-*.import osc.<fsname>-*.import}. lctl
 * expands the patterns itself (no shell); each matching device prints a YAML {@code import:} block that
 * {@link LustreImports#parse(String)} reads.
 */
public final class ClientImportCommands {
    private final ToolPaths tools;

    public ClientImportCommands(ToolPaths tools) {
        this.tools = tools;
    }

    /** The metadata (mdc) and object storage (osc) client imports of every mount of {@code fsName}. */
    public List<String> imports(FsName fsName) {
        return List.of(
                tools.lctl(),
                "get_param",
                "-n",
                "mdc." + fsName.value() + "-*.import",
                "osc." + fsName.value() + "-*.import");
    }
}
