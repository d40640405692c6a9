package dev.lustrecsi.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;

/**
 * The kubelet directories the node plugin may mount in, and the checks every path from the CO
 * passes before it is used: absolute, no {@code .} or {@code ..} components, no NUL, sane length,
 * under the right kubelet directory, and no symbolic link on the way down from it. So a bad request can
 * never make the plugin mount over, or unmount, anything else on the host.
 */
public final class NodePaths {
    private static final int MAX_PATH = 4096;

    private final Path kubeletDir;
    private final Path podsDir;
    private final Path pluginsDir;

    public NodePaths(Path kubeletDir) {
        Path k = checkShape(kubeletDir.toString(), "kubelet directory");
        this.kubeletDir = k;
        this.podsDir = k.resolve("pods");
        this.pluginsDir = k.resolve("plugins");
    }

    public Path kubeletDir() {
        return kubeletDir;
    }

    /** A pod's publish target: {@code <kubelet>/pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount}. */
    public Path target(String path) {
        return under(checkShape(path, "target_path"), podsDir, "target_path");
    }

    /** The per-volume staging path: {@code <kubelet>/plugins/kubernetes.io/csi/<driver>/<hash>/globalmount}. */
    public Path staging(String path) {
        return under(checkShape(path, "staging_target_path"), pluginsDir, "staging_target_path");
    }

    /** A path a volume is published or staged at (NodeGetVolumeStats, NodeExpandVolume). */
    public Path volumePath(String path, String field) {
        Path p = checkShape(path, field);
        if (isStrictlyUnder(p, podsDir)) {
            return requireNoSymlinkBelow(p, podsDir, field);
        }
        if (isStrictlyUnder(p, pluginsDir)) {
            return requireNoSymlinkBelow(p, pluginsDir, field);
        }
        throw new IllegalArgumentException(field + " '" + path + "' is not under " + podsDir + " or " + pluginsDir);
    }

    private static Path under(Path p, Path dir, String field) {
        if (!isStrictlyUnder(p, dir)) {
            throw new IllegalArgumentException(field + " '" + p + "' is not under " + dir);
        }
        return requireNoSymlinkBelow(p, dir, field);
    }

    /**
     * mount(2), mkdir and rmdir follow symbolic links: a link planted below the kubelet directory (the subPath
     * attacks, CVE-2017-1002101) would lead a mount, or an unmount, anywhere on the host. kubelet itself never
     * puts links there, so any existing component below {@code dir} that is a link is refused. Each component is
     * probed with readlink(2), never stat: the last one is often the mount point of a Lustre server that no longer
     * answers, where stat blocks but readlink does not (it only reads the cached inode type).
     */
    private static Path requireNoSymlinkBelow(Path p, Path dir, String field) {
        Path current = dir;
        for (Path component : dir.relativize(p)) {
            current = current.resolve(component);
            try {
                Files.readSymbolicLink(current);
                throw new IllegalArgumentException(field + " '" + p + "' passes through the symbolic link " + current);
            } catch (NotLinkException e) {
                // A directory (or a mount point): go on down.
            } catch (NoSuchFileException e) {
                break;
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        field + " '" + p + "': cannot inspect " + current + ": " + e.getMessage());
            }
        }
        return p;
    }

    private static boolean isStrictlyUnder(Path p, Path dir) {
        return p.startsWith(dir) && !p.equals(dir);
    }

    private static Path checkShape(String path, String field) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException(field + " is required");
        }
        if (path.length() > MAX_PATH || path.indexOf('\0') >= 0 || path.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException(field + " is too long or contains control characters");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(field + " '" + path + "' must be absolute");
        }
        for (String component : path.split("/")) {
            if (component.equals("..") || component.equals(".")) {
                throw new IllegalArgumentException(field + " '" + path + "' must not contain '.' or '..' components");
            }
        }
        return Path.of(path).normalize();
    }
}
