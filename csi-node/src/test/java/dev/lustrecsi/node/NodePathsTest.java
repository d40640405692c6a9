package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodePathsTest {
    private final NodePaths paths = new NodePaths(Path.of("/var/lib/kubelet"));

    @Test
    void acceptsKubeletsOwnPaths() {
        assertThat(paths.target("/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/pvc-1/mount"))
                .isEqualTo(Path.of("/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/pvc-1/mount"));
        assertThat(paths.staging(
                        "/var/lib/kubelet/plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/ab12/globalmount"))
                .isNotNull();
        assertThat(paths.volumePath("/var/lib/kubelet/pods/x/mount", "volume_path"))
                .isNotNull();
    }

    @Test
    void refusesTraversalRelativeAndForeignPaths() {
        for (String bad : new String[] {
            "/var/lib/kubelet/pods/../../../etc",
            "/var/lib/kubelet/pods/x/../../plugins/y",
            "var/lib/kubelet/pods/x",
            "/etc/passwd",
            "/var/lib/kubelet/pods",
            "/var/lib/kubelet/podsx/y",
            "/var/lib/kubelet/pods/./x",
            "/var/lib/kubelet/pods/x\0y",
            "/var/lib/kubelet/pods/x\ny",
            "",
            "/var/lib/kubelet/pods/" + "a".repeat(5000)
        }) {
            assertThatThrownBy(() -> paths.target(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> paths.staging("/var/lib/kubelet/pods/x/mount"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> paths.target("/var/lib/kubelet/plugins/x/globalmount"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesPathsThatPassThroughASymlinkBelowTheKubeletDirectory(@TempDir Path tmp) throws Exception {
        Path kubelet = Files.createDirectories(tmp.resolve("kubelet"));
        Path elsewhere = Files.createDirectories(tmp.resolve("etc"));
        Path volumes = Files.createDirectories(kubelet.resolve("pods/evil/volumes/kubernetes.io~csi"));
        Files.createSymbolicLink(volumes.resolve("pv"), elsewhere);
        Files.createDirectories(kubelet.resolve("plugins"));
        Files.createSymbolicLink(kubelet.resolve("plugins/kubernetes.io"), elsewhere);
        NodePaths local = new NodePaths(kubelet);

        assertThatThrownBy(() -> local.target(volumes.resolve("pv/mount").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> local.target(volumes.resolve("pv").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> local.staging(kubelet.resolve("plugins/kubernetes.io/csi/x/globalmount")
                        .toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> local.volumePath(volumes.resolve("pv/mount").toString(), "volume_path"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("symbolic link");
        // Real directories, and paths that do not exist yet, are fine.
        assertThat(local.target(kubelet.resolve("pods/good/volumes/kubernetes.io~csi/pv/mount")
                        .toString()))
                .isNotNull();
        assertThat(local.target(volumes.resolve("other/mount").toString())).isNotNull();
    }

    @Test
    void theKubeletDirectoryIsConfigurable() {
        NodePaths custom = new NodePaths(Path.of("/data/kubelet"));
        assertThat(custom.target("/data/kubelet/pods/p/volumes/kubernetes.io~csi/v/mount"))
                .isNotNull();
        assertThatThrownBy(() -> custom.target("/var/lib/kubelet/pods/p/volumes/kubernetes.io~csi/v/mount"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
