package dev.lustrecsi.lustre;

import java.util.List;

/**
 * The command line that copies one volume's tree into another on the same mounted filesystem (a shared-pool
 * clone). It is GNU coreutils {@code cp} rather than a Java walker because {@code cp} keeps what a walker in Java
 * cannot: hard links across the tree ({@code links}), sparse files ({@code --sparse=auto}, no allocation for
 * holes), device nodes and FIFOs, POSIX ACLs ({@code mode} includes them), and it changes ownership and times of
 * symbolic links themselves (lchown, utimensat with AT_SYMLINK_NOFOLLOW). Extended attributes are deliberately
 * not copied: on Lustre they include the file's layout ({@code lustre.lov}/{@code trusted.lov}), which would give
 * the copies the source's striping (and its OST pool) instead of the clone directory's default layout; user
 * xattrs go with them (documented in csi-controller/README.md).
 */
public final class TreeCopyCommands {
    private final String cp;

    /** @param cp the cp program (GNU coreutils; {@code cp} on PATH in the controller image) */
    public TreeCopyCommands(String cp) {
        this.cp = cp;
    }

    public static TreeCopyCommands standard() {
        return new TreeCopyCommands("cp");
    }

    /**
     * {@code cp -R -P -T --preserve=mode,ownership,timestamps,links --sparse=auto --one-file-system -- SRC DST}:
     * SRC's contents into the existing directory DST, and SRC's own mode, owner and times onto DST ({@code -T}:
     * DST is the copy of SRC, not a directory to put SRC in). {@code -P}: symbolic links are copied as links,
     * never followed (a user's link must not make the driver copy data from outside the volume).
     */
    public List<String> copyTree(String source, String target) {
        return List.of(
                cp,
                "-R",
                "-P",
                "-T",
                "--preserve=mode,ownership,timestamps,links",
                "--sparse=auto",
                "--one-file-system",
                "--",
                requirePath(source),
                requirePath(target));
    }

    private static String requirePath(String path) {
        if (path == null || !path.startsWith("/") || path.contains("\0") || path.contains("\n")) {
            throw new IllegalArgumentException("absolute path required: " + path);
        }
        return path;
    }
}
