package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NodeMainTest {

    @Test
    void parsesTheDaemonSetsFlags() {
        NodeMain main = new NodeMain();
        new CommandLine(main)
                .parseArgs(
                        "--endpoint",
                        "unix:///csi/csi.sock",
                        "--node-id",
                        "worker-3",
                        "--kubelet-dir",
                        "/data/kubelet",
                        "--sysfs-root",
                        "/host/sys",
                        "--lnet-interface",
                        "bond0",
                        "--max-volumes",
                        "64",
                        "--v",
                        "5");
        assertThat(main.nodeId).isEqualTo("worker-3");
        assertThat(main.kubeletDir).isEqualTo(Path.of("/data/kubelet"));
        assertThat(main.sysfsRoot).isEqualTo(Path.of("/host/sys"));
        assertThat(main.lnetInterface).isEqualTo("bond0");
        assertThat(main.maxVolumes).isEqualTo(64);
        assertThat(main.effectiveMaxVolumes()).isEqualTo(64);
        assertThat(main.common.endpoint().uri()).isEqualTo("unix:///csi/csi.sock");
    }

    @Test
    void defaultsMatchAStandardNode() {
        NodeMain main = new NodeMain();
        new CommandLine(main).parseArgs("--node-id", "worker-3");
        assertThat(main.kubeletDir).isEqualTo(Path.of("/var/lib/kubelet"));
        assertThat(main.sysfsRoot).isEqualTo(Path.of("/sys"));
        assertThat(main.lnetInterface).isNull();
        assertThat(main.maxVolumes).isEqualTo(-1);
        // One client mount per volume: 8192 OBD devices, 2 + 1 MDT + 32 OSTs each (lustre-tools ObdDevices).
        assertThat(main.effectiveMaxVolumes()).isEqualTo(232);
        assertThat(main.kubernetesApi).isEqualTo(NodeMain.ApiAccess.auto);
        assertThat(main.startupTaint).isEqualTo("lustre.csi.lustrecsi.dev/agent-not-ready");
        assertThat(main.healthCheckSeconds).isEqualTo(30);
        assertThat(main.jobIdVar).isEqualTo("LUSTRE_JOBID");
        assertThat(main.jobIdName).isEqualTo("%e.%u");
    }

    @Test
    void selfHealingTopologyAndJobIdFlags() {
        NodeMain main = new NodeMain();
        new CommandLine(main)
                .parseArgs(
                        "--node-id",
                        "worker-3",
                        "--kubernetes-api",
                        "off",
                        "--startup-taint",
                        "",
                        "--health-check-interval",
                        "0",
                        "--jobid-var",
                        "SLURM_JOB_ID",
                        "--jobid-name",
                        "%e.%u.%H");
        assertThat(main.kubernetesApi).isEqualTo(NodeMain.ApiAccess.off);
        assertThat(main.startupTaint).isEmpty();
        assertThat(main.healthCheckSeconds).isZero();
        assertThat(main.jobIdVar).isEqualTo("SLURM_JOB_ID");
        assertThat(main.jobIdName).isEqualTo("%e.%u.%H");
    }

    @Test
    void theVolumeLimitFollowsTheDeviceBudgetOfTheLargestFilesystemOrIsSetOrOff() {
        NodeMain main = new NodeMain();
        new CommandLine(main).parseArgs("--node-id", "w", "--budget-mdts", "4", "--budget-osts", "256");
        assertThat(main.effectiveMaxVolumes()).isEqualTo((8192 - 64) / (2 + 4 + 256));
        new CommandLine(main).parseArgs("--node-id", "w", "--max-volumes", "0");
        assertThat(main.effectiveMaxVolumes()).as("0: no limit").isZero();
    }
}
