package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NodePathsTest {
    private final NodePaths paths = new NodePaths(Path.of("/var/lib/kubelet"));

    @Test
    void acceptsKubeletsOwnPaths() {
        assertThat(paths.target("/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/pvc-1/mount"))
                .isEqualTo(Path.of("/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/pvc-1/mount"));
        assertThat(paths.staging("/var/lib/kubelet/plugins/kubernetes.io/csi/lustre.csi.lustrecsi.dev/ab12/globalmount"))
                .isNotNull();
        assertThat(paths.volumePath("/var/lib/kubelet/pods/x/mount", "volume_path")).isNotNull();
    }

    @Test
    void refusesTraversalRelativeAndForeignPaths() {
        for (String bad : new String[] {"/var/lib/kubelet/pods/../../../etc", "/var/lib/kubelet/pods/x/../../plugins/y",
                "var/lib/kubelet/pods/x", "/etc/passwd", "/var/lib/kubelet/pods", "/var/lib/kubelet/podsx/y",
                "/var/lib/kubelet/pods/./x", "/var/lib/kubelet/pods/x\0y", "/var/lib/kubelet/pods/x\ny", "",
                "/var/lib/kubelet/pods/" + "a".repeat(5000)}) {
            assertThatThrownBy(() -> paths.target(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> paths.staging("/var/lib/kubelet/pods/x/mount")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> paths.target("/var/lib/kubelet/plugins/x/globalmount")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theKubeletDirectoryIsConfigurable() {
        NodePaths custom = new NodePaths(Path.of("/data/kubelet"));
        assertThat(custom.target("/data/kubelet/pods/p/volumes/kubernetes.io~csi/v/mount")).isNotNull();
        assertThatThrownBy(() -> custom.target("/var/lib/kubelet/pods/p/volumes/kubernetes.io~csi/v/mount"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
