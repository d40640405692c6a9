package dev.lustrecsi.lustre;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines of mount(8) for Lustre clients. mount(8) finds Lustre's {@code mount.lustre}
 * helper itself (in /sbin), exactly as an admin's {@code mount -t lustre} would.
 */
public final class MountCommands {
    private final ToolPaths tools;

    public MountCommands(ToolPaths tools) {
        this.tools = tools;
    }

    /**
     * {@code mount -t lustre [-o <options>] <source> <target>}.
     *
     * @param source  the client mount source, e.g. {@code 10.0.0.1@tcp:10.0.0.2@tcp:/fs1/pvc-1}
     * @param options mount options, already checked by the caller's policy; none of them may contain ','
     */
    public List<String> mountLustre(String source, Path target, List<String> options) {
        List<String> argv = new ArrayList<>(List.of(tools.mount(), "-t", "lustre"));
        if (!options.isEmpty()) {
            for (String o : options) {
                if (o.isEmpty() || o.contains(",") || o.startsWith("-")) {
                    throw new IllegalArgumentException("malformed mount option '" + o + "'");
                }
            }
            argv.add("-o");
            argv.add(String.join(",", options));
        }
        if (source.startsWith("-")) {
            throw new IllegalArgumentException("malformed mount source '" + source + "'");
        }
        argv.add(source);
        argv.add(target.toString());
        return List.copyOf(argv);
    }
}
