package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NidSource;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.manifest.ServerCloudInit;
import dev.lustrecsi.provisioner.manifest.ServerManifests;
import dev.lustrecsi.provisioner.sim.HarnessExtension;
import dev.lustrecsi.provisioner.sim.KubeletNodes;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.kubevirt.v1.VirtualMachine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On the pod network a new filesystem's servers take the ClusterIP of a Service each as their LNet NID: the NIDs
 * survive a virt-launcher restart and a VM re-creation, two filesystems never share one, and a filesystem whose NIDs
 * are already pod addresses (in Lustre's configuration logs) keeps them.
 */
@ExtendWith(HarnessExtension.class) // fabric8's mock API server here, a real one in a subclass
class StableNidsTest {
    private static final List<String> NODES = List.of("node-a", "node-b");
    OperatorHarness h;
    private KubeletNodes nodes;

    @BeforeEach
    void start(HarnessExtension.Factory harnesses) {
        h = harnesses.open("lfs1");
        // Launcher pods (the Services' endpoints) exist only on nodes.
        nodes = KubeletNodes.register(h.client(), NODES, Instant.now());
    }

    @AfterEach
    void close() {
        nodes.close();
        h.close();
    }

    private LustreFileSystem ready(String name) {
        return h.runUntil(name, fs -> fs.getStatus() != null && fs.getStatus().getPhase() == Phase.Ready, 80);
    }

    private Service service(String server) {
        return h.client()
                .services()
                .inNamespace(h.namespace())
                .withName(ServerManifests.lnetServiceName(server))
                .get();
    }

    private static Map<String, String> nids(LustreFileSystem fs) {
        Map<String, String> out = new TreeMap<>();
        fs.getStatus().getServers().forEach(s -> out.put(s.getName(), s.getNid()));
        return out;
    }

    private String userData(String vm) {
        VirtualMachine v = h.client()
                .resources(VirtualMachine.class)
                .inNamespace(h.namespace())
                .withName(vm)
                .get();
        return v.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(x -> x.getCloudInitNoCloud() != null)
                .findFirst()
                .orElseThrow()
                .getCloudInitNoCloud()
                .getUserData();
    }

    /** The pods the Service sends its traffic to (what the endpoints controller selects). */
    private List<String> selectedPods(Service svc) {
        return h
                .client()
                .pods()
                .inNamespace(h.namespace())
                .withLabels(svc.getSpec().getSelector())
                .list()
                .getItems()
                .stream()
                .map(Pod::getMetadata)
                .map(m -> m.getName())
                .toList();
    }

    @Test
    void aNewFilesystemOnThePodNetworkTakesOneServiceAddressPerServerAsItsNids() {
        h.create(Fixtures.tcp("demo", 2));
        LustreFileSystem fs = ready("demo");

        assertThat(fs.getStatus().getNidSource()).isEqualTo(NidSource.ServiceAddress);
        String mgsNid = null;
        for (ServerStatus st : fs.getStatus().getServers()) {
            Service svc = service(st.getName());
            assertThat(svc).as("Service of %s", st.getName()).isNotNull();
            String ip = svc.getSpec().getClusterIP();
            assertThat(st.getAddress()).isEqualTo(ip);
            assertThat(st.getNid()).isEqualTo(ip + "@tcp");
            assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
            assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
            assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getPort()).isEqualTo(988);
                assertThat(p.getTargetPort().getIntVal()).isEqualTo(988);
                assertThat(p.getProtocol()).isEqualTo("TCP");
            });
            // Owned by the filesystem, not the VM: a re-created VM finds it, and it goes with the filesystem.
            assertThat(svc.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(o ->
                            assertThat(o.getUid()).isEqualTo(fs.getMetadata().getUid()));
            assertThat(selectedPods(svc)).containsExactly("virt-launcher-" + st.getName());
            // The guest puts the address on a dummy interface and runs LNet there.
            assertThat(userData(st.getName()))
                    .contains("ip addr replace " + ip + "/32 dev " + ServerCloudInit.SERVICE_IFACE)
                    .contains("lnetctl net add --net tcp --if " + ServerCloudInit.SERVICE_IFACE)
                    .contains("iptables -t nat -A POSTROUTING -s " + ip + "/32 -o " + ServerCloudInit.POD_IFACE
                            + " -j MASQUERADE");
            if (Boolean.TRUE.equals(st.getMgs())) {
                mgsNid = st.getNid();
            }
        }
        assertThat(fs.getStatus().getMgsNids()).containsExactly(mgsNid);
        // The OSTs register with the MGS at its Service address.
        assertThat(userData("demo-oss0")).contains("--mgsnode=" + mgsNid);
    }

    @Test
    void aLauncherRestartAndAVmRecreationKeepEveryNid() {
        h.create(Fixtures.tcp("demo", 2));
        LustreFileSystem before = ready("demo");
        String mgs = before.getStatus().getServers().stream()
                .filter(s -> Boolean.TRUE.equals(s.getMgs()))
                .findFirst()
                .orElseThrow()
                .getName();
        String oss = "demo-oss0";

        // A new virt-launcher pod (new pod address) for the OSS: the guest crashed and KubeVirt restarts it.
        int boots = h.kubevirt().boots(oss);
        h.kubevirt().failVmi(oss);
        h.runUntil(
                "demo", fs -> h.kubevirt().boots(oss) > boots && fs.getStatus().getPhase() == Phase.Ready, 40);
        // The MGS's VM is deleted (as an upgrade of the operator's VM template or a user would) and re-created.
        h.client()
                .resources(VirtualMachine.class)
                .inNamespace(h.namespace())
                .withName(mgs)
                .delete();
        h.kubevirt().tick();
        LustreFileSystem after = h.runUntil(
                "demo", fs -> h.kubevirt().boots(mgs) > 1 && fs.getStatus().getPhase() == Phase.Ready, 40);

        assertThat(nids(after)).isEqualTo(nids(before));
        assertThat(after.getStatus().getMgsNids()).isEqualTo(before.getStatus().getMgsNids());
        assertThat(h.eventReasons()).doesNotContain("MgsNidChanged", "ServerNidChanged");
        assertThat(selectedPods(service(mgs))).containsExactly("virt-launcher-" + mgs);
        assertThat(userData(mgs))
                .contains("ip addr replace "
                        + before.getStatus().server(mgs).orElseThrow().getAddress() + "/32");
    }

    @Test
    void twoFilesystemsFromOneStorageClassNeverShareAnAddress() {
        h.create(Fixtures.tcp("one", 2));
        h.create(Fixtures.tcp("two", 2));
        LustreFileSystem one = ready("one");
        LustreFileSystem two = ready("two");

        List<String> addresses = new ArrayList<>();
        one.getStatus().getServers().forEach(s -> addresses.add(s.getAddress()));
        two.getStatus().getServers().forEach(s -> addresses.add(s.getAddress()));
        assertThat(addresses).doesNotContainNull().hasSize(6);
        assertThat(new HashSet<>(addresses)).hasSize(6);
        assertThat(one.getStatus().getMgsNids())
                .doesNotContainAnyElementsOf(two.getStatus().getMgsNids());
    }

    @Test
    void aServiceDeletedByHandIsMadeAgainWithTheSameAddress() {
        h.create(Fixtures.tcp("demo", 2));
        LustreFileSystem before = ready("demo");
        String address = before.getStatus().server("demo-oss1").orElseThrow().getAddress();

        h.client()
                .services()
                .inNamespace(h.namespace())
                .withName(ServerManifests.lnetServiceName("demo-oss1"))
                .delete();
        h.runUntil("demo", fs -> service("demo-oss1") != null, 10);

        assertThat(service("demo-oss1").getSpec().getClusterIP()).isEqualTo(address);
        assertThat(nids(h.get("demo"))).isEqualTo(nids(before));
    }

    @Test
    void aFilesystemWhoseNidsAreAlreadyPodAddressesKeepsThem() {
        // As an operator before Service addresses left it: servers on pod-address NIDs, no nidSource recorded.
        h.createOnPodAddresses(Fixtures.tcp("old", 2));
        LustreFileSystem before = ready("old");
        LustreFileSystem unmarked = h.get("old");
        unmarked.getStatus().setNidSource(null);
        h.client()
                .resources(LustreFileSystem.class)
                .inNamespace(h.namespace())
                .resource(unmarked)
                .updateStatus();
        h.restartOperator();
        h.run("old", 3);

        LustreFileSystem after = h.get("old");
        assertThat(after.getStatus().getNidSource()).isEqualTo(NidSource.PodAddress);
        assertThat(nids(after)).isEqualTo(nids(before));
        assertThat(h.client()
                        .services()
                        .inNamespace(h.namespace())
                        .withLabel(Labels.FILESYSTEM, "old")
                        .list()
                        .getItems())
                .isEmpty();
        assertThat(userData("old-oss0")).doesNotContain(ServerCloudInit.SERVICE_IFACE);
    }
}
