package dev.lustrecsi.node;

import java.nio.file.Path;

/**
 * The kubelet directories the node plugin may mount in, and the checks every path from the CO
 * passes before it is used: absolute, no {@code .} or {@code ..} components, no NUL, sane length,
 * and under the right kubelet directory. So a bad request can never make the plugin mount over,
 * or unmount, anything else on the host.
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
        if (isStrictlyUnder(p, podsDir) || isStrictlyUnder(p, pluginsDir)) {
            return p;
        }
        throw new IllegalArgumentException(field + " '" + path + "' is not under " + podsDir + " or " + pluginsDir);
    }

    private static Path under(Path p, Path dir, String field) {
        if (!isStrictlyUnder(p, dir)) {
            throw new IllegalArgumentException(field + " '" + p + "' is not under " + dir);
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
