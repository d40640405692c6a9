package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.Disks;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The KubeVirt side of {@code spec.metadataFailover}: the two VMs of a metadata server's pair see the same target
 * disks (shareable, uncached on the host, one ReadWriteMany claim) and are never placed on one node; OSSs stay as
 * they are.
 */
class FailoverPairManifestsTest {
    private static final MgsNids BOTH = MgsNids.parse("192.168.50.10@o2ib:192.168.50.11@o2ib");
    private final ServerManifests manifests = new ServerManifests();
    private final LustreFileSystem fs = paired();
    private final Topology topology = Topology.plan(fs, List.of());

    private static LustreFileSystem paired() {
        LustreFileSystem fs = Fixtures.o2ib("lfs", 4);
        fs.getSpec().setMetadataFailover(true);
        return fs;
    }

    private VirtualMachine vm(String name) {
        ServerPlan s = topology.server(name).orElseThrow();
        return manifests.virtualMachine(new ServerContext(
                fs,
                s,
                "192.168.50.12/24",
                s.runsMgs() ? null : BOTH,
                null,
                false,
                null,
                s.paired() ? BOTH.nodes() : null));
    }

    @Test
    void everyMetadataServerHasAPartnerVmWithTheSameTargetsAndTheOssServersHaveNone() {
        assertThat(topology.all().stream().map(ServerPlan::name))
                .containsExactly("lfs-mgs", "lfs-mgs-b", "lfs-mds0", "lfs-mds0-b", "lfs-oss0", "lfs-oss1");
        assertThat(topology.mgsServer().name()).isEqualTo("lfs-mgs");
        assertThat(topology.mdsServers()).extracting(ServerPlan::name).containsExactly("lfs-mds0");
        ServerPlan b = topology.server("lfs-mds0-b").orElseThrow();
        assertThat(b.targets()).isEqualTo(topology.firstMds().targets());
        assertThat(b.partner()).isEqualTo("lfs-mds0");
        assertThat(topology.firstMds().partner()).isEqualTo("lfs-mds0-b");
        assertThat(topology.partnerOf(b)).contains(topology.firstMds());
        assertThat(topology.server("lfs-oss0").orElseThrow().paired()).isFalse();
    }

    @Test
    void bothVmsOfAPairAttachTheTargetDiskShareableUncachedAndRefuseToShareANode() {
        for (String name : List.of("lfs-mds0", "lfs-mds0-b")) {
            VirtualMachine vm = vm(name);
            var spec = vm.getSpec().getTemplate().getSpec();
            Disks mdt = spec.getDomain().getDevices().getDisks().stream()
                    .filter(d -> "mdt0".equals(d.getName()))
                    .findFirst()
                    .orElseThrow();
            assertThat(mdt.getShareable()).isTrue();
            assertThat(mdt.getCache()).isEqualTo("none");
            assertThat(mdt.getSerial()).isEqualTo("scratch-MDT0000");
            assertThat(spec.getDomain().getDevices().getDisks())
                    .filteredOn(d -> !"mdt0".equals(d.getName()))
                    .allMatch(d -> d.getShareable() == null, "only the target disk is shared");
            assertThat(spec.getVolumes())
                    .filteredOn(v -> v.getPersistentVolumeClaim() != null)
                    .singleElement()
                    .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName())
                            .isEqualTo("lfs-mdt0"));
            assertThat(vm.getMetadata().getLabels()).containsEntry(Labels.PAIR, "lfs-mds0");
            assertThat(vm.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.PAIR, "lfs-mds0");
            var term = spec.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
            assertThat(term).singleElement().satisfies(t -> {
                assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                assertThat(t.getLabelSelector().getMatchLabels())
                        .containsExactly(java.util.Map.entry(Labels.PAIR, "lfs-mds0"));
            });
        }
        ServerPlan mds0 = topology.firstMds();
        assertThat(manifests
                        .persistentVolumeClaim(fs, mds0, mds0.targets().get(0))
                        .getSpec()
                        .getAccessModes())
                .containsExactly("ReadWriteMany");
    }

    @Test
    void anOssIsUnchanged() {
        VirtualMachine oss = vm("lfs-oss0");
        assertThat(oss.getSpec().getTemplate().getSpec().getAffinity()).isNull();
        assertThat(oss.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getDomain()
                        .getDevices()
                        .getDisks())
                .allMatch(d -> d.getShareable() == null && d.getCache() == null);
        assertThat(oss.getMetadata().getLabels()).doesNotContainKey(Labels.PAIR);
        ServerPlan s = topology.server("lfs-oss0").orElseThrow();
        assertThat(manifests
                        .persistentVolumeClaim(fs, s, s.targets().get(0))
                        .getSpec()
                        .getAccessModes())
                .containsExactly("ReadWriteOnce");
    }

    @Test
    void aPairedVmIsNotBuiltWithoutBothNidsItsTargetsAreFormattedWith() {
        ServerPlan s = topology.firstMds();
        assertThatThrownBy(() -> new ServerContext(fs, s, "192.168.50.12/24", BOTH, null, false, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both service nodes");
    }
}
