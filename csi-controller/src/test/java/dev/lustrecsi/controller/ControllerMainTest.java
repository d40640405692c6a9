package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.server.CsiServer;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.IdentityService;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.GetPluginCapabilitiesRequest;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.PluginCapability;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The controller process's flags and wiring, served on a real Unix socket as the CSI sidecars reach it. */
@MockKubernetes
class ControllerMainTest {
    KubernetesClient client;

    @TempDir
    Path tmp;

    @Test
    void flagsHaveProductionDefaults() {
        ControllerMain main = new ControllerMain();
        new CommandLine(main).parseArgs();
        ControllerConfig config = main.config();
        assertThat(config.poolMountRoot()).isEqualTo(Path.of("/var/lib/lustre-csi/pools"));
        assertThat(config.readyWait()).isEqualTo(Duration.ofSeconds(50));
        assertThat(config.shrinkBandPercent()).isEqualTo(10);
        assertThat(config.serverImage()).isEmpty();
        assertThat(main.common.endpoint().socketPath()).isEqualTo(Path.of("/csi/csi.sock"));
    }

    @Test
    void acceptsTheArgumentsTheHelmChartPasses() {
        ControllerMain main = new ControllerMain();
        new CommandLine(main)
                .parseArgs(
                        "--endpoint=unix:///csi/csi.sock",
                        "--v=2",
                        "--pool-mount-root=/var/lib/lustre-csi/pools",
                        "--namespace=lustre-csi",
                        "--server-image=ghcr.io/lustrecsi/lustre-server-vm:2.15.5",
                        "--lustre-version=2.15.5",
                        "--metrics-port=9819");
        assertThat(main.config().namespace()).isEqualTo("lustre-csi");
        assertThat(main.config().serverImage()).contains("ghcr.io/lustrecsi/lustre-server-vm:2.15.5");
        assertThat(main.config().lustreVersion()).contains("2.15.5");
        assertThatThrownBy(() -> new CommandLine(new ControllerMain()).parseArgs("--no-such-flag"))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class);
    }

    @Test
    void servesIdentityAndControllerOnTheSocketAndProvisionsThroughTheApi() throws Exception {
        Path socket = tmp.resolve("csi.sock");
        ControllerMain main = new ControllerMain();
        new CommandLine(main)
                .parseArgs(
                        "--endpoint",
                        "unix://" + socket,
                        "--namespace",
                        "hpc",
                        "--pool-mount-root",
                        tmp.resolve("pools").toString(),
                        "--server-image",
                        ControllerFixture.IMAGE,
                        "--lustre-version",
                        "2.15.5",
                        "--ready-wait",
                        "PT0.1S",
                        "--v",
                        "5");
        VolumeRecords records = VolumeRecords.start(client, Duration.ofSeconds(30));
        ControllerService service = main.createService(client, main.config(), records, VolumesInUse.watch(client));
        CsiServer server = CsiServer.start(
                Endpoint.parse("unix://" + socket), List.of(new IdentityService(true, List.of()), service));
        ManagedChannel channel = UnixChannels.open("unix://" + socket);
        try {
            assertThat(IdentityGrpc.newBlockingStub(channel)
                            .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                            .getCapabilitiesList())
                    .contains(PluginCapability.newBuilder()
                            .setService(PluginCapability.Service.newBuilder()
                                    .setType(PluginCapability.Service.Type.CONTROLLER_SERVICE))
                            .build());
            ControllerGrpc.ControllerBlockingStub controller = ControllerGrpc.newBlockingStub(channel);
            assertThat(controller
                            .controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
                            .getCapabilitiesCount())
                    .as("ControllerRpcTest names the eight")
                    .isEqualTo(8);
            // Image and version come from the flags; the namespace too.
            assertThatThrownBy(() -> controller.createVolume(
                            create("pvc-main", GI, Map.of("mode", "dedicated")).build()))
                    .has(status(Status.Code.UNAVAILABLE));
            LustreFileSystem fs = client.resources(LustreFileSystem.class)
                    .inNamespace("hpc")
                    .withName("pvc-main")
                    .get();
            assertThat(fs.getSpec().getImage()).isEqualTo(ControllerFixture.IMAGE);
            assertThat(fs.getSpec().getLustreVersion()).isEqualTo("2.15.5");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.stop(Duration.ofSeconds(5));
            records.close();
        }
        assertThat(socket).doesNotExist();
    }
}
