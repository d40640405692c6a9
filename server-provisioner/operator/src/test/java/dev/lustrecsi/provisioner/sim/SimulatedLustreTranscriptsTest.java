package dev.lustrecsi.provisioner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.testing.RecordedOutput;
import dev.lustrecsi.provisioner.Labels;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated servers answer like the real Lustre 2.17.0 tools where the recorded transcripts show them (stdout,
 * stderr and exit code exactly): filesystem "lustre", MGS+MDT0 on one server, OST0 and OST1 on another, as on the
 * recording node.
 */
class SimulatedLustreTranscriptsTest {
    private MockCluster cluster;
    private SimulatedLustre lustre;

    @BeforeEach
    void servers() {
        cluster = MockCluster.start();
        KubernetesClient client = cluster.client();
        server(client, "lustre-mds0", "lustre-MDT0000", true);
        server(client, "lustre-oss0", "lustre-OST0000,lustre-OST0001", false);
        lustre = new SimulatedLustre(client, "hpc", "lustre");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static void server(KubernetesClient client, String name, String targets, boolean mgs) {
        VirtualMachine vm = Serialization.unmarshal(
                """
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: hpc
                  labels: {"%s": "%s"}
                  annotations: {"%s": "%s"}
                """.formatted(name, Labels.MGS, mgs, Labels.TARGETS, targets), VirtualMachine.class);
        client.resource(vm).create();
        VirtualMachineInstance vmi = Serialization.unmarshal("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachineInstance
                metadata:
                  name: %s
                  namespace: hpc
                spec:
                  volumes: []
                status:
                  phase: Running
                  conditions: [{type: Ready, status: "True"}]
                """.formatted(name), VirtualMachineInstance.class);
        client.resource(vmi).create();
    }

    private CommandResult run(String vm, String... argv) {
        return lustre.exec("hpc", vm, List.of(argv), Duration.ofSeconds(5));
    }

    private static void assertSameAnswer(CommandResult got, RecordedOutput real) {
        assertThat(got.stdout()).as("stdout of %s", real.command()).isEqualTo(real.stdout());
        assertThat(got.stderr()).as("stderr of %s", real.command()).isEqualTo(real.stderr());
        assertThat(got.exitCode()).as("exit code of %s", real.command()).isEqualTo(real.exitCode());
    }

    @Test
    void aLiveSetParamEchoesTheParameterItSet() {
        RecordedOutput real = RecordedOutput.of("188");
        assertThat(real.command()).isEqualTo("lctl set_param osp.lustre-OST0001-osc-MDT0000.max_create_count=20000");
        assertSameAnswer(
                run("lustre-mds0", "lctl", "set_param", "osp.lustre-OST0001-osc-MDT0000.max_create_count=20000"), real);
    }

    @Test
    void aParameterNoDeviceHasIsReportedAsThePathLctlLookedUp() {
        RecordedOutput real = RecordedOutput.of("042");
        assertSameAnswer(run("lustre-mds0", "lctl", "get_param", "no.such.param"), real);
        // set_param looks the name up the same way, without its value (lustre_cfg.c do_param_op).
        assertThat(run("lustre-oss0", "lctl", "set_param", "osp.lustre-OST0001-osc-MDT0000.max_create_count=0")
                        .stderr())
                .isEqualTo("error: set_param: param_path 'osp/lustre-OST0001-osc-MDT0000/max_create_count': "
                        + "No such file or directory\n");
    }

    @Test
    void migratingAFileThatIsGoneFailsWithTheSourceFilesErrno() {
        RecordedOutput real = RecordedOutput.of("169");
        String missing = "/lustre/client/lustre/stripe/no-such-file";
        assertThat(run("lustre-mds0", "mount", "-t", "lustre", "10.0.2.15@tcp:/lustre", "/lustre/client/lustre")
                        .succeeded())
                .isTrue();
        // The recording ran "lfs migrate -o 0 <file>"; the operator's drain runs "lfs migrate --non-block -- <files>".
        // The failure is in opening the source file, before either layout option matters.
        CommandResult got = run("lustre-mds0", "lfs", "migrate", "--non-block", "--", missing);
        assertThat(got.stderr()).isEqualTo(real.stderr().replace("/mnt/lustre/stripe/no-such-file", missing));
        assertThat(got.stdout()).isEqualTo(real.stdout());
        assertThat(got.exitCode()).isEqualTo(real.exitCode());
    }
}
