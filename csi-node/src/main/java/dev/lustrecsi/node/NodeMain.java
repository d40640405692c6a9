package dev.lustrecsi.node;

import dev.lustrecsi.csi.server.CommonOptions;
import dev.lustrecsi.csi.server.PluginRunner;
import dev.lustrecsi.csi.server.ReadinessCheck;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.MountCommands;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.mount.LinuxMounter;
import dev.lustrecsi.lustre.mount.MountBounds;
import dev.lustrecsi.lustre.mount.MountTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The node plugin process (DaemonSet, privileged, host network): CSI Identity + Node on a Unix socket. */
@Command(name = "lustre-csi-node", mixinStandardHelpOptions = true,
        description = "Lustre CSI node plugin: LNet setup, Lustre client mounts, bind mounts into pods.")
public final class NodeMain implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--node-id", required = true, defaultValue = "${env:NODE_NAME}",
            description = "this node's Kubernetes name (default: $NODE_NAME)")
    String nodeId;

    @Option(names = "--kubelet-dir", defaultValue = "/var/lib/kubelet",
            description = "kubelet's root directory; targets must be under <dir>/pods, staging under <dir>/plugins (default: ${DEFAULT-VALUE})")
    Path kubeletDir;

    @Option(names = "--sysfs-root", defaultValue = "/sys", description = "where sysfs is mounted (default: ${DEFAULT-VALUE})")
    Path sysfsRoot;

    @Option(names = "--lnet-interface", description = "interface for LNet tcp when the node has no RDMA adapter "
            + "(default: the default route's interface)")
    String lnetInterface;

    @Option(names = "--max-volumes", defaultValue = "0",
            description = "Lustre volumes this node may stage at once; 0: no limit (default: ${DEFAULT-VALUE})")
    long maxVolumes;

    @Option(names = "--lustre-tools-dir", description = "directory holding lnetctl, lctl, lfs and modprobe "
            + "when they are not on PATH")
    Path toolsDir;

    @Override
    public Integer call() throws Exception {
        common.applyLogLevel();
        ToolPaths tools = toolsDir == null ? ToolPaths.standard()
                : new ToolPaths("mount", "umount", toolsDir.resolve("lfs").toString(), toolsDir.resolve("lctl").toString(),
                        toolsDir.resolve("lnetctl").toString(), toolsDir.resolve("modprobe").toString(),
                        toolsDir.resolve("mkfs.lustre").toString());
        CommandRunner runner = new ProcessCommandRunner();
        LnetConfigurator lnet = new LnetConfigurator(runner, tools, sysfsRoot, Path.of("/proc/net/route"),
                Optional.ofNullable(lnetInterface), Duration.ofSeconds(30));
        MountBounds bounds = MountBounds.defaults();
        LinuxMounter mounter = new LinuxMounter(runner, new MountCommands(tools), new MountTable(), bounds);
        NodeService node = new NodeService(new NodeConfig(nodeId, maxVolumes, new NodePaths(kubeletDir),
                bounds.lustreMount().plusSeconds(15)), mounter, lnet);

        LnetState initial = lnet.ensureConfigured();
        LoggerFactory.getLogger(NodeMain.class).info("node {} starting: {}", nodeId, initial.detail());
        ReadinessCheck lnetReady = () -> {
            LnetState state = lnet.ensureConfigured();
            return state.ready() ? ReadinessCheck.Result.ready(state.detail()) : ReadinessCheck.Result.notReady(state.detail());
        };
        PluginRunner.serveUntilStopped(common, false, List.of(lnetReady), List.of(node));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeMain()).execute(args));
    }
}
