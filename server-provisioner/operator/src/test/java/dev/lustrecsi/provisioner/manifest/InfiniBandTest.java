package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LinkLayer;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.SpecValidator;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.Interfaces;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RDMA over InfiniBand and over Ethernet (RoCE) are attached differently: a RoCE function is an Ethernet NIC with
 * the MAC KubeVirt gives it, matched by cloud-init; an InfiniBand function is IPoIB with a 20-byte hardware
 * address that no macAddress or MAC match can name.
 */
class InfiniBandTest {
    private final ServerManifests manifests = new ServerManifests();

    private ServerContext oss(LustreFileSystem fs) {
        ServerPlan oss1 = Topology.plan(fs, List.of()).server("scr-oss1").orElseThrow();
        return new ServerContext(fs, oss1, "192.168.50.13/24", MgsNids.parse("192.168.50.10@o2ib"), null);
    }

    private static com.fasterxml.jackson.databind.JsonNode yaml(String s) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(s);
    }

    /** The VM's second interface: the SR-IOV function LNet uses (the first is the pod network). */
    private static Interfaces lustreInterface(VirtualMachine vm) {
        return vm.getSpec()
                .getTemplate()
                .getSpec()
                .getDomain()
                .getDevices()
                .getInterfaces()
                .get(1);
    }

    @Test
    void roceFunctionsAreMatchedByTheirMacAndInfiniBandFunctionsByTheirLinkType() throws Exception {
        LustreFileSystem roce = Fixtures.o2ib("scr", 4);
        VirtualMachine roceVm = manifests.virtualMachine(oss(roce));
        var roceIf = lustreInterface(roceVm);
        assertThat(roceIf.getSriov()).isNotNull();
        assertThat(roceIf.getMacAddress()).isNotNull();
        JsonNode roceNet = yaml(manifests.cloudInit().networkData(oss(roce))).path("ethernets");
        assertThat(roceNet.path("lnet0").path("match").path("macaddress").asText())
                .isEqualTo(roceIf.getMacAddress());

        LustreFileSystem ib = Fixtures.o2ib("scr", 4);
        ib.getSpec().getNetwork().setLinkLayer(LinkLayer.InfiniBand);
        assertThat(SpecValidator.validate("scr", ib.getSpec())).isEmpty();
        VirtualMachine ibVm = manifests.virtualMachine(oss(ib));
        var ibIf = lustreInterface(ibVm);
        assertThat(ibIf.getSriov()).isNotNull();
        assertThat(ibIf.getMacAddress())
                .as("an IPoIB function has no MAC to set")
                .isNull();
        JsonNode ibNet = yaml(manifests.cloudInit().networkData(oss(ib))).path("ethernets");
        assertThat(ibNet.has("lnet0")).as("cloud-init cannot match it").isFalse();
        assertThat(ibNet.has("pod0")).isTrue();
        String script = yaml(manifests.cloudInit().userData(oss(ib)))
                .path("write_files")
                .get(0)
                .path("content")
                .asText();
        assertThat(script)
                .contains(
                        "[ \"$(cat \"$d/type\")\" = 32 ]",
                        "ip link set dev \"$ib\" name lnet0",
                        "ip addr replace 192.168.50.13/24 dev lnet0",
                        "lnetctl net add --net o2ib --if lnet0");
        assertThat(script.indexOf("ip addr replace")).isLessThan(script.indexOf("lnetctl net add"));
    }

    @Test
    void infiniBandNeedsO2ib() {
        LustreFileSystem fs = Fixtures.o2ib("scr", 4);
        fs.getSpec().getNetwork().setType(dev.lustrecsi.model.NetworkType.TCP);
        fs.getSpec().getNetwork().setLinkLayer(LinkLayer.InfiniBand);
        assertThat(SpecValidator.validate("scr", fs.getSpec()))
                .anyMatch(e -> e.contains("linkLayer InfiniBand needs spec.network.type o2ib"));
    }
}
