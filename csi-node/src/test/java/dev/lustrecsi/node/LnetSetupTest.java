package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.ProbeRequest;
import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.ProcessCommandRunner;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** LNet bring-up through the stand-in modprobe and lnetctl, as NodeGetInfo and Probe report it. */
@ExtendWith(NodePluginExtension.class)
class LnetSetupTest {
    /** A fresh plugin for each test, closed after it with every mount it left (NodePluginExtension). */
    private NodePlugin plugin;

    private long netAdds() {
        return plugin.standIns.calls("lnetctl").stream()
                .filter(l -> l.startsWith("argv: net add"))
                .count();
    }

    @Test
    void withoutRdmaTcpGoesOnTheDefaultRouteInterface() {
        NodeGetInfoResponse info = plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());

        assertThat(info.getNodeId()).isEqualTo("node-1");
        assertThat(info.getAccessibleTopology().getSegmentsMap())
                .containsEntry(DriverNames.TOPOLOGY_LNET_TCP, "true")
                .containsEntry(DriverNames.TOPOLOGY_LNET_O2IB, "false");
        assertThat(plugin.standIns.calls("modprobe")).containsExactly("argv: lustre");
        assertThat(plugin.standIns.calls("lnetctl"))
                .contains("argv: lnet configure", "argv: net add --net tcp --if eth7");
    }

    @Test
    void anRdmaNodeGetsO2ibOnItsPortAndTcpOnTheDefaultRouteSoItMountsTcpFilesystemsToo() {
        plugin.sysfs.infinibandDevice("mlx5_0", "ib0");
        plugin.standIns.interfaceAddress("ib0", "192.168.77.5");

        NodeGetInfoResponse info = plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());

        assertThat(info.getAccessibleTopology().getSegmentsMap())
                .containsEntry(DriverNames.TOPOLOGY_LNET_O2IB, "true")
                .containsEntry(DriverNames.TOPOLOGY_LNET_TCP, "true");
        assertThat(plugin.standIns.calls("lnetctl"))
                .contains("argv: net add --net o2ib --if ib0", "argv: net add --net tcp --if eth7");
    }

    @Test
    void aPortWithoutAnAddressFailsAloneAndTheOtherNetworksComeUp() {
        plugin.sysfs.infinibandDevice("mlx5_0", "ib0").infinibandDevice("mlx5_1", "ib1");
        plugin.standIns.interfaceAddress("ib0", "192.168.77.5"); // ib1 has no IPoIB address

        LnetState state = plugin.lnet.ensureConfigured();

        assertThat(state.ready()).isTrue();
        assertThat(state.networks().interfaces())
                .extracting(LnetNetworks.LocalNi::nid)
                .containsExactlyInAnyOrder("192.168.77.5@o2ib", "10.7.0.50@tcp");
        assertThat(state.detail()).contains("cannot add LNet network o2ib on ib1");
    }

    @Test
    void withLustre217WhatIsConfiguredIsReadFromTheYamlAndNothingIsAddedTwice() {
        plugin.standIns.version("2.17.0");
        plugin.sysfs.infinibandDevice("mlx5_0", "ib0");
        plugin.standIns.interfaceAddress("ib0", "192.168.77.5");

        LnetState first = plugin.lnet.ensureConfigured();
        LnetState again = plugin.lnet.ensureConfigured();

        assertThat(first.ready()).isTrue();
        assertThat(again.ready()).isTrue();
        assertThat(again.networkTypes()).containsExactly("o2ib", "tcp");
        assertThat(again.detail()).doesNotContain("cannot add");
        assertThat(netAdds()).isEqualTo(2);
    }

    /** A configurator on this test's stand-in tools and sysfs, with the given TCP interface and command bound. */
    private LnetConfigurator lnet(Optional<String> tcpInterface, Duration bound) {
        return new LnetConfigurator(
                new ProcessCommandRunner(),
                plugin.standIns.toolPaths(),
                plugin.sysfs.root(),
                plugin.route,
                tcpInterface,
                bound);
    }

    @Test
    void rdmaDetectionReadsTheSysfsTree() {
        LnetConfigurator lnet = lnet(Optional.empty(), Duration.ofSeconds(5));
        assertThat(lnet.rdmaInterfaces()).isEmpty();
        assertThat(lnet.plan()).containsExactly(new LnetConfigurator.PlannedNet("tcp", java.util.List.of("eth7")));

        plugin.sysfs.infinibandDeviceWithoutNet("mlx4_0");
        assertThat(lnet.rdmaInterfaces())
                .as("an adapter without a net device is no use to LNet")
                .isEmpty();

        plugin.sysfs.infinibandDevice("mlx5_1", "ib1").infinibandDevice("mlx5_0", "ib0");
        assertThat(lnet.rdmaInterfaces()).containsExactly("ib0", "ib1");
        assertThat(lnet.plan())
                .containsExactly(
                        new LnetConfigurator.PlannedNet("o2ib", java.util.List.of("ib0", "ib1")),
                        new LnetConfigurator.PlannedNet("tcp", java.util.List.of("eth7")));
    }

    @Test
    void aConfiguredInterfaceWinsOverTheDefaultRoute() {
        plugin.standIns.interfaceAddress("eth9", "10.9.0.5");
        LnetConfigurator lnet = lnet(Optional.of("eth9"), Duration.ofSeconds(5));
        LnetState state = lnet.ensureConfigured();
        assertThat(state.ready()).isTrue();
        assertThat(state.detail()).startsWith("Lustre client 2.15.6 on kernel ").contains("LNet up: 10.9.0.5@tcp");
        assertThat(state.networks().onInterface("eth9"))
                .get()
                .extracting(n -> n.nid())
                .isEqualTo("10.9.0.5@tcp");
    }

    @Test
    void configurationIsIdempotentAcrossCallsAndRestarts() {
        plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        plugin.identity().probe(ProbeRequest.getDefaultInstance());
        plugin.restart();
        plugin.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        assertThat(plugin.identity()
                        .probe(ProbeRequest.getDefaultInstance())
                        .getReady()
                        .getValue())
                .isTrue();

        assertThat(netAdds()).isEqualTo(1);
        assertThat(plugin.standIns.calls("lnetctl").stream()
                        .filter(l -> l.equals("argv: lnet configure"))
                        .count())
                .isEqualTo(1);
    }

    @Test
    void missingClientModulesMakeTheNodeNotReadyAndStagingRefused() {
        plugin.standIns.missingModules(true);

        assertThat(plugin.identity()
                        .probe(ProbeRequest.getDefaultInstance())
                        .getReady()
                        .getValue())
                .isFalse();
        LnetState state = plugin.lnet.ensureConfigured();
        assertThat(state.ready()).isFalse();
        assertThat(state.detail()).contains("Module lustre not found");

        plugin.volumeOnServer("fsm", "pvc-1");
        plugin.assertStageFails(
                plugin.stage("fsm", "pvc-1").build(), Status.Code.FAILED_PRECONDITION, "Module lustre not found");

        plugin.standIns.missingModules(false); // the admin installs the client: the next probe recovers
        assertThat(plugin.identity()
                        .probe(ProbeRequest.getDefaultInstance())
                        .getReady()
                        .getValue())
                .isTrue();
    }

    @Test
    void aHungLnetctlIsBounded() {
        plugin.standIns.hangTool("lnetctl", true);
        LnetConfigurator lnet = lnet(Optional.empty(), Duration.ofMillis(500));
        LnetState state = lnet.ensureConfigured();
        assertThat(state.ready()).isFalse();
        assertThat(state.detail()).contains("timed out");
    }
}
