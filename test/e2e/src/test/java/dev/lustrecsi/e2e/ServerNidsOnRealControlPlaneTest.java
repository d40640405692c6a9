package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NidSource;
import dev.lustrecsi.model.ServerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Server NIDs on the default pod network, on a real kube-apiserver (mock API server where its binaries are
 * missing; the log says which): every server's NID is the ClusterIP the API server allocated to its Service, a
 * virt-launcher restart and a VM re-creation leave every NID as it was, and a volume provisioned before them
 * still mounts with the MGS NIDs in its PV. A second filesystem gets addresses of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerNidsOnRealControlPlaneTest extends ClusterTest {
    @Override
    LocalCluster startCluster() {
        LocalCluster c = Story.startClusterWithoutStorageClassOnRealControlPlaneIfAvailable("nids");
        // The pool's servers on the default pod network: no attachment, no address range.
        c.applyPodNetworkStorageClass();
        return c;
    }

    private Service service(String server) {
        return cluster.client()
                .services()
                .inNamespace(LocalCluster.NAMESPACE)
                .withName("lnet-" + server)
                .get();
    }

    private static Map<String, String> nids(LustreFileSystem fs) {
        Map<String, String> out = new TreeMap<>();
        fs.getStatus().getServers().forEach(s -> out.put(s.getName(), s.getNid()));
        return out;
    }

    @Test
    @Order(1)
    void nidsAreServiceAddressesThatSurviveALauncherRestartAndAVmRecreationAndThePvStillMounts() throws Exception {
        Story s = new Story(cluster, "nids");
        PersistentVolume pv = s.claimAndBind("100Gi", "home");
        LustreFileSystem before = s.awaitPoolSettled();

        assertThat(before.getStatus().getNidSource()).isEqualTo(NidSource.ServiceAddress);
        for (ServerStatus st : before.getStatus().getServers()) {
            assertThat(st.getNid()).isEqualTo(service(st.getName()).getSpec().getClusterIP() + "@tcp");
        }
        String mgs = LocalCluster.POOL + "-mds0";
        String mgsNid = service(mgs).getSpec().getClusterIP() + "@tcp";
        assertThat(before.getStatus().getMgsNids()).containsExactly(mgsNid);
        assertThat(pv.getSpec().getCsi().getVolumeAttributes()).containsEntry(VolumeContextKeys.MGS_NIDS, mgsNid);

        Path pod = s.kubelet.startPod(pv, "writer");
        Files.writeString(pod.resolve("notes.md"), "before the restarts\n");
        s.kubelet.stopPod(pv, "writer");
        s.kubelet.unstage(pv);

        // The MGS's guest crashes: KubeVirt starts a new VMI in a new virt-launcher pod (a new pod address).
        int boots = cluster.kubevirt().boots(mgs);
        cluster.kubevirt().failVmi(mgs);
        await().atMost(Story.PATIENCE).until(() -> cluster.kubevirt().boots(mgs) > boots);
        s.awaitPoolSettled();
        // An OSS's VM is deleted and the operator re-creates it.
        String oss = cluster.ossVms().get(0);
        int ossBoots = cluster.kubevirt().boots(oss);
        cluster.client()
                .resources(VirtualMachine.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withName(oss)
                .delete();
        await().atMost(Story.PATIENCE).until(() -> cluster.kubevirt().boots(oss) > ossBoots);
        LustreFileSystem after = s.awaitPoolSettled();

        assertThat(nids(after)).isEqualTo(nids(before));
        assertThat(after.getStatus().getMgsNids()).containsExactly(mgsNid);
        // The PV provisioned before both restarts mounts with the MGS NIDs it carries; the file is there.
        Path again = s.kubelet.startPod(pv, "reader");
        assertThat(Files.readString(again.resolve("notes.md"))).isEqualTo("before the restarts\n");
        s.kubelet.stopPod(pv, "reader");
        s.kubelet.unstage(pv);
        s.deleteClaims("home");
        s.awaitReleased("home");
    }

    @Test
    @Order(2)
    void aSecondFilesystemGetsAddressesNoOtherFilesystemHas() {
        Story s = new Story(cluster, "second");
        s.claimAndBind("100Gi", "scratch-space");
        LustreFileSystem pool = s.awaitPoolSettled();
        // The pool's spec under another name and fsname, as the CSI controller makes a dedicated filesystem.
        LustreFileSystem other = Serialization.unmarshal(Serialization.asJson(pool), LustreFileSystem.class);
        other.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName("other")
                .withNamespace(LocalCluster.NAMESPACE)
                .build());
        other.setStatus(null);
        other.getSpec().setFsName("other");
        cluster.client()
                .resources(LustreFileSystem.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .resource(other)
                .create();
        try {
            await().atMost(Story.PATIENCE).until(() -> {
                LustreFileSystem o = fs("other");
                return o.getStatus() != null
                        && !o.getStatus().getServers().isEmpty()
                        && o.getStatus().getServers().stream().allMatch(st -> st.getAddress() != null);
            });
            Set<String> poolAddresses = new HashSet<>();
            cluster.pool().getStatus().getServers().forEach(st -> poolAddresses.add(st.getAddress()));
            List<String> otherAddresses = fs("other").getStatus().getServers().stream()
                    .map(ServerStatus::getAddress)
                    .toList();
            assertThat(otherAddresses).doesNotContainAnyElementsOf(poolAddresses);
            assertThat(new HashSet<>(otherAddresses)).hasSameSizeAs(otherAddresses);
        } finally {
            cluster.client()
                    .resources(LustreFileSystem.class)
                    .inNamespace(LocalCluster.NAMESPACE)
                    .withName("other")
                    .delete();
            await().atMost(Story.PATIENCE).until(() -> fs("other") == null);
            s.deleteClaims("scratch-space");
            s.awaitReleased("scratch-space");
        }
    }

    private LustreFileSystem fs(String name) {
        return cluster.client()
                .resources(LustreFileSystem.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withName(name)
                .get();
    }
}
