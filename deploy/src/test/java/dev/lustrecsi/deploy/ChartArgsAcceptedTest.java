package dev.lustrecsi.deploy;

import static dev.lustrecsi.deploy.Rendered.container;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lustrecsi.controller.ControllerMain;
import dev.lustrecsi.node.NodeMain;
import io.fabric8.kubernetes.api.model.Container;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every flag the chart gives our three programs is one their own command lines accept: a renamed flag
 * fails here instead of in a CrashLoopBackOff. ($(VAR) references are expanded by kubelet; they parse as text.)
 */
class ChartArgsAcceptedTest {
    static final Rendered R = Rendered.parse(
            Helm.template("--set", "network.lnetInterface=ib0", "--set", "serverVm.diskStorageClass=ceph-block"));

    @Test
    void controllerAcceptsItsArgs() {
        Container c = container(R.controllerPod(), "lustre-csi-controller");
        assertThat(c.getArgs()).contains("--disk-storage-class=ceph-block");
        assertParses(new ControllerMain(), c.getArgs());
    }

    @Test
    void nodePluginAcceptsItsArgs() {
        Container c = container(R.nodePod(), "lustre-csi-node");
        assertThat(c.getArgs()).contains("--lnet-interface=ib0");
        assertParses(new NodeMain(), c.getArgs());
    }

    @Test
    void operatorAcceptsItsArgs() throws Exception {
        Class<?> main;
        try {
            main = Class.forName("dev.lustrecsi.provisioner.OperatorMain");
        } catch (ClassNotFoundException e) {
            Assumptions.abort(
                    "dev.lustrecsi.provisioner.OperatorMain does not exist yet (server-provisioner is being written)");
            return;
        }
        Container c = container(R.operatorPod(), "server-provisioner");
        assertParses(main.getDeclaredConstructor().newInstance(), c.getArgs());
    }

    private static void assertParses(Object command, List<String> args) {
        assertThatCode(() -> new CommandLine(command).parseArgs(args.toArray(String[]::new)))
                .as(command.getClass().getSimpleName() + " " + args)
                .doesNotThrowAnyException();
    }
}
