package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VMs, PVCs and cloud-init the operator creates, compared with reviewed fixtures in
 * src/test/resources/golden (readable YAML to check against the KubeVirt API reference and the Lustre
 * manual). After an intended change, regenerate with {@code -Dgolden.update=true} and review the diff.
 */
class ServerManifestsGoldenTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private final ServerManifests manifests = new ServerManifests();

    @Test
    void tcpPodNetworkMdsWithColocatedMgs() throws IOException {
        LustreFileSystem fs = Fixtures.tcp("demo", 4);
        ServerPlan mds0 = Topology.plan(fs, List.of()).firstMds();
        ServerContext ctx = new ServerContext(fs, mds0, null, null, null);
        VirtualMachine vm = manifests.virtualMachine(ctx);
        assertGolden("tcp-mds0-vm.yaml", ManifestYaml.write(vm));
        assertGolden("tcp-mds0-user-data.yaml", manifests.cloudInit().userData(ctx));
        assertThat(vm.getSpec().getRunStrategy()).isEqualTo("Always");
    }

    @Test
    void tcpPodNetworkOss() throws IOException {
        LustreFileSystem fs = Fixtures.tcp("demo", 4);
        ServerPlan oss3 = Topology.plan(fs, List.of()).server("demo-oss3").orElseThrow();
        ServerContext ctx = new ServerContext(
                fs,
                oss3,
                null,
                MgsNids.parse("10.244.1.17@tcp"),
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOperatorKey server-provisioner");
        assertOssGolden("tcp-oss3", ctx, "tcp-ost3-pvc-retain.yaml");
    }

    @Test
    void o2ibSeparateMgsAndTwoOstsPerOss() throws IOException {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        fs.getSpec().setDiskDeletionPolicy(DiskDeletionPolicy.Delete);
        Topology topology = Topology.plan(fs, List.of());
        ServerContext mgs = new ServerContext(fs, topology.mgsServer(), "192.168.50.10/24", null, null);
        assertGolden("o2ib-mgs-user-data.yaml", manifests.cloudInit().userData(mgs));
        ServerPlan oss1 = topology.server("scr-oss1").orElseThrow();
        ServerContext ctx = new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null);
        assertOssGolden("o2ib-oss1", ctx, "o2ib-ost2-pvc-delete.yaml");
    }

    /** An OSS's VM, cloud-init user and network data, and its first OST's disk claim, against the golden files. */
    private void assertOssGolden(String server, ServerContext ctx, String pvcFile) throws IOException {
        assertGolden(server + "-vm.yaml", ManifestYaml.write(manifests.virtualMachine(ctx)));
        assertGolden(server + "-user-data.yaml", manifests.cloudInit().userData(ctx));
        assertGolden(server + "-network-data.yaml", manifests.cloudInit().networkData(ctx));
        assertGolden(
                pvcFile,
                ManifestYaml.write(manifests.persistentVolumeClaim(
                        ctx.filesystem(), ctx.server(), ctx.server().targets().get(0))));
    }

    @Test
    void buildingTwiceGivesTheSameVm() {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        ServerPlan oss1 = Topology.plan(fs, List.of()).server("scr-oss1").orElseThrow();
        ServerContext ctx = new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null);
        assertThat(ManifestYaml.write(manifests.virtualMachine(ctx)))
                .isEqualTo(ManifestYaml.write(manifests.virtualMachine(ctx)));
    }

    @Test
    void manifestsParseBackAsTheirKubernetesTypes() throws IOException {
        VirtualMachine vm =
                Serialization.unmarshal(Files.readString(GOLDEN.resolve("o2ib-oss1-vm.yaml")), VirtualMachine.class);
        assertThat(vm.getSpec().getTemplate().getSpec().getVolumes())
                .extracting(v -> v.getName())
                .containsExactly("rootdisk", "cloudinitdisk", "ost2", "ost3");
        assertThat(vm.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getVolumes()
                        .get(2)
                        .getPersistentVolumeClaim()
                        .getClaimName())
                .isEqualTo("scr-ost2");
        assertThat(vm.getSpec().getTemplate().getSpec().getDomain().getDevices().getDisks())
                .filteredOn(d -> d.getName().equals("ost3"))
                .singleElement()
                .satisfies(d -> assertThat(d.getSerial()).isEqualTo("scratch-OST0003"));
        assertThat(vm.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("LustreFileSystem"));
        PersistentVolumeClaim pvc = Serialization.unmarshal(
                Files.readString(GOLDEN.resolve("o2ib-ost2-pvc-delete.yaml")), PersistentVolumeClaim.class);
        assertThat(pvc.getSpec().getVolumeMode()).isEqualTo("Block");
        assertThat(pvc.getMetadata().getOwnerReferences()).hasSize(1);
    }

    private static void assertGolden(String file, String actual) throws IOException {
        Path path = GOLDEN.resolve(file);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(path, actual, StandardCharsets.UTF_8);
        }
        assertThat(path)
                .as("golden fixture %s (regenerate with -Dgolden.update=true and review)", file)
                .exists();
        assertThat(actual).as(file).isEqualTo(Files.readString(path, StandardCharsets.UTF_8));
    }
}
