package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.cli.CreateCommand;
import dev.lustrecsi.controller.StorageClassParameters;
import dev.lustrecsi.lustre.ToolPaths;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The server VM image recipe cannot run here (KVM, libguestfs, Whamcloud's servers); this checks that it
 * is a well-formed script, that it produces what KubeVirt and the operator need, and that every place
 * naming the default image names the same one.
 */
class VmImageRecipeTest {
    static final Path DIR = RepoFiles.ROOT.resolve("deploy/vm-image");

    @Test
    void buildScriptIsValidBash() throws Exception {
        Process p = new ProcessBuilder("bash", "-n", DIR.resolve("build.sh").toString())
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as(new String(p.getInputStream().readAllBytes()))
                .isZero();
    }

    @Test
    void containerDiskHoldsTheBuiltQcow2UnderDiskOwnedByQemu() {
        String containerfile = RepoFiles.read(DIR.resolve("Containerfile"));
        assertThat(containerfile)
                .containsPattern("(?m)^FROM scratch$")
                .containsPattern("(?m)^ADD --chown=107:107 lustre-server\\.qcow2 /disk/$");
        assertThat(RepoFiles.read(DIR.resolve("build.sh")))
                .contains("virt-sparsify --compress \"$work/base.qcow2\" lustre-server.qcow2");
    }

    @Test
    void imageProvidesEveryLustreToolTheOperatorCalls() {
        String script = RepoFiles.read(DIR.resolve("build.sh"));
        Matcher m = Pattern.compile("for t in ([^;]+); do command -v").matcher(script);
        assertThat(m.find()).isTrue();
        List<String> checked = List.of(m.group(1).trim().split("\\s+"));
        ToolPaths tools = ToolPaths.standard();
        assertThat(checked)
                .contains(
                        tools.mkfsLustre(),
                        tools.lctl(),
                        tools.lnetctl(),
                        tools.lfs(),
                        tools.modprobe(),
                        "mount.lustre",
                        "blkid",
                        "udevadm");
    }

    @Test
    void chartCliExamplesAndRecipeAgreeOnTheDefaultImage() throws java.io.IOException {
        String defaultImage = CreateCommand.DEFAULT_IMAGE_REPOSITORY + ":" + CreateCommand.DEFAULT_LUSTRE_VERSION;
        String script = RepoFiles.read(DIR.resolve("build.sh"));
        assertThat(script)
                .contains("LUSTRE_VERSION=\"${LUSTRE_VERSION:-" + CreateCommand.DEFAULT_LUSTRE_VERSION + "}\"")
                .contains("IMAGE=\"${1:-" + CreateCommand.DEFAULT_IMAGE_REPOSITORY + ":${LUSTRE_VERSION}}\"");
        Rendered chart = Rendered.parse(Helm.template());
        assertThat(Rendered.container(chart.controllerPod(), "lustre-csi-controller")
                        .getArgs())
                .contains("--server-image=" + defaultImage, "--lustre-version=" + CreateCommand.DEFAULT_LUSTRE_VERSION);
        // The examples leave image and version to the chart's defaults, so they cannot drift from them.
        for (StorageClass sc : ExamplesTest.all().all(StorageClass.class)) {
            StorageClassParameters p = StorageClassParameters.parse(sc.getParameters());
            assertThat(p.serverImage()).as(sc.getMetadata().getName()).isEmpty();
            assertThat(p.lustreVersion()).as(sc.getMetadata().getName()).isEmpty();
        }
    }
}
