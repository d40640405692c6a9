package dev.lustrecsi.node;

import dev.lustrecsi.lustre.mount.MountInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The pods a staged volume is published to, found in the mount table: each publish is a bind mount of
 * the staging mount (same device, same root) at {@code <kubelet>/pods/<pod uid>/volumes/kubernetes.io~csi/<pv>/mount}.
 */
final class PublishedTargets {
    private PublishedTargets() {}

    /** A pod's view of a volume: the pod's UID and the PV name kubelet put in the path. */
    record Target(String podUid, String volumeName, Path path) {}

    static List<Target> of(MountInfo staged, List<MountInfo> table, NodePaths paths) {
        Path pods = paths.kubeletDir().resolve("pods");
        return table.stream()
                .filter(m -> m.device().equals(staged.device()) && m.root().equals(staged.root()))
                .map(m -> parse(m.mountPoint(), pods))
                .flatMap(Optional::stream)
                .distinct()
                .toList();
    }

    /** {@code <pods>/<uid>/volumes/kubernetes.io~csi/<pv>/mount} → uid and pv. */
    static Optional<Target> parse(Path mountPoint, Path pods) {
        if (!mountPoint.startsWith(pods)) {
            return Optional.empty();
        }
        Path rel = pods.relativize(mountPoint);
        if (rel.getNameCount() != 5
                || !rel.getName(1).toString().equals("volumes")
                || !rel.getName(2).toString().equals("kubernetes.io~csi")
                || !rel.getName(4).toString().equals("mount")) {
            return Optional.empty();
        }
        return Optional.of(new Target(rel.getName(0).toString(), rel.getName(3).toString(), mountPoint));
    }
}
