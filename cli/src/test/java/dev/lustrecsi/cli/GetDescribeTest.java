package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class GetDescribeTest extends CliOnMockCluster {
    @Test
    void getShowsPhaseOstsCapacityAndNids() {
        cli.run("create", "alpha", "--osts", "4");
        cli.setStatus("test", "alpha", s -> Fixtures.provisioning(s, "alpha", 4, 2));
        cli.run("create", "beta", "--osts", "1", "--ost-size", "1Ti");
        cli.setStatus("test", "beta", s -> Fixtures.ready(s, "beta", 1, 1024 * Fixtures.GI, "2.15.5"));

        CliHarness.Result r = cli.run("get");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(3);
        assertThat(r.out().lines().findFirst().orElseThrow())
                .matches("NAME +FSNAME +PHASE +OSTS +CAPACITY +VERSION +MGS NIDS +AGE");
        assertThat(r.out())
                .containsPattern("alpha +alpha +Provisioning +2/4 +200 GiB +2\\.15\\.5 +10\\.244\\.1\\.10@tcp +\\d+s")
                .containsPattern("beta +beta +Ready +1/1 +1 TiB +2\\.15\\.5 +10\\.244\\.1\\.10@tcp");
    }

    @Test
    void getForScriptsIsJsonOrYamlOnStdout() {
        cli.run("create", "alpha", "--osts", "2");
        cli.setStatus("test", "alpha", s -> Fixtures.ready(s, "alpha", 2, 100 * Fixtures.GI, "2.15.5"));

        CliHarness.Result list = cli.run("get", "-o", "json");
        assertThat(list.exitCode()).as(list.err()).isZero();
        KubernetesList parsed = Serialization.unmarshal(list.out(), KubernetesList.class);
        assertThat(parsed.getItems()).hasSize(1);

        // An empty namespace is an empty list, not an error: scripts can iterate over it.
        CliHarness.Result none = cli.run("get", "-n", "empty", "-o", "json");
        assertThat(none.exitCode()).as(none.err()).isZero();
        assertThat(Serialization.unmarshal(none.out(), KubernetesList.class).getItems())
                .isEmpty();

        CliHarness.Result one = cli.run("get", "alpha", "-o", "yaml");
        LustreFileSystem fs = Serialization.unmarshal(one.out(), LustreFileSystem.class);
        assertThat(fs.getStatus().getCapacityBytes()).isEqualTo(200 * Fixtures.GI);
        assertThat(one.err()).isEmpty();
    }

    @Test
    void getAcrossNamespacesAddsTheNamespaceColumn() {
        cli.run("create", "a", "-n", "team-a", "--osts", "1");
        cli.run("create", "b", "-n", "team-b", "--osts", "1");
        CliHarness.Result r = cli.run("get", "-A");
        assertThat(r.out())
                .startsWith("NAMESPACE")
                .containsPattern("team-a +a +a +Pending")
                .containsPattern("team-b +b +b +Pending");
        assertThat(cli.run("get", "-n", "team-a").out()).contains("a").doesNotContain("team-b");
    }

    @Test
    void missingFilesystemExitsThreeWithKubectlWording() {
        CliHarness.Result r = cli.run("get", "nope");
        r.assertExit(ExitCode.NOT_FOUND)
                .isEqualTo("error: lustrefilesystem \"nope\" not found in namespace \"test\"\n");
        assertThat(r.out()).isEmpty();
        assertThat(cli.run("describe", "nope").exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        CliHarness.Result empty = cli.run("get", "-n", "empty");
        empty.assertExit(ExitCode.OK).contains("No LustreFileSystems found in namespace empty.");
    }

    @Test
    void describeShowsTargetsServersNidsAndThePvcsUsingIt() {
        cli.run("create", "pool1", "-n", "lustre-csi", "--osts", "2", "--fs-name", "pool1");
        cli.setStatus("lustre-csi", "pool1", s -> Fixtures.ready(s, "pool1", 2, 100 * Fixtures.GI, "2.15.5"));
        client.persistentVolumes()
                .resource(Fixtures.volume(
                        "pvc-111", "v1:lustre-csi:pool1:pool1:pvc-111", "research", "home-alice", "100Gi"))
                .create();
        client.persistentVolumes()
                .resource(
                        Fixtures.volume("pvc-222", "v1:lustre-csi:pool1:pool1:pvc-222", "hpc", "ior-scratch", "200Gi"))
                .create();
        // Other filesystems' and static external volumes do not count.
        client.persistentVolumes()
                .resource(Fixtures.volume("pvc-333", "v1:lustre-csi:pool2:pool2:pvc-333", "hpc", "other", "1Gi"))
                .create();
        client.persistentVolumes()
                .resource(Fixtures.volume("scratch", "v1:::scratch:projects", "hpc", "ext", "1Ti"))
                .create();

        CliHarness.Result r = cli.run("describe", "pool1", "-n", "lustre-csi");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Phase:           Ready")
                .contains("MGS NIDs:        10.244.1.10@tcp")
                .contains("Mount source:    10.244.1.10@tcp:/pool1")
                .contains("Capacity:        200 GiB")
                .containsPattern("pool1-MDT0000 +MDT +Ready +pool1-mds0 +10 GiB +pool1-mdt0")
                .containsPattern("pool1-OST0001 +OST +Ready +pool1-oss1 +100 GiB +pool1-ost1")
                .containsPattern("pool1-mds0 +MDS\\+MGS +true +10\\.244\\.1\\.10@tcp")
                .containsPattern("hpc/ior-scratch +pvc-222 +200Gi +/pvc-222")
                .containsPattern("research/home-alice +pvc-111 +100Gi +/pvc-111")
                .doesNotContain("pvc-333")
                .doesNotContain("hpc/ext");

        CliHarness.Result json = cli.run("describe", "pool1", "-n", "lustre-csi", "-o", "json");
        JsonNode doc = Serialization.unmarshal(json.out(), JsonNode.class);
        assertThat(doc.get("filesystem").get("status").get("phase").asText()).isEqualTo("Ready");
        assertThat(doc.get("claims")).hasSize(2);
        assertThat(doc.get("claims").get(0).get("name").asText()).isEqualTo("ior-scratch");
    }
}
