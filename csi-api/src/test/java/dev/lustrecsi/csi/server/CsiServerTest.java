package dev.lustrecsi.csi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.BuildInfo;
import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.GetPluginCapabilitiesRequest;
import dev.lustrecsi.csi.v1.GetPluginInfoRequest;
import dev.lustrecsi.csi.v1.GetPluginInfoResponse;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeResponse;
import dev.lustrecsi.csi.v1.PluginCapability;
import dev.lustrecsi.csi.v1.ProbeRequest;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as kubelet and the sidecars see it: a real gRPC client over a real Unix socket. */
class CsiServerTest {
    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<CsiServer> servers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(s -> s.stop(Duration.ofSeconds(1)));
    }

    private CsiServer start(boolean controller, List<ReadinessCheck> checks, BindableService... extra) {
        List<BindableService> services = new ArrayList<>();
        services.add(new IdentityService(controller, checks));
        services.addAll(List.of(extra));
        CsiServer server = CsiServer.start(Endpoint.parse("unix://" + dir.resolve("csi/csi.sock")), services);
        servers.add(server);
        return server;
    }

    private ManagedChannel dial(CsiServer server) {
        ManagedChannel channel = UnixChannels.open(server.endpoint().uri());
        channels.add(channel);
        return channel;
    }

    @Test
    void identityAnswersNameVersionAndCapabilities() {
        CsiServer server = start(true, List.of());
        IdentityGrpc.IdentityBlockingStub identity = IdentityGrpc.newBlockingStub(dial(server));

        GetPluginInfoResponse info = identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        assertThat(info.getName()).isEqualTo(DriverNames.DRIVER_NAME).isEqualTo("lustre.csi.lustrecsi.dev");
        assertThat(info.getVendorVersion())
                .isEqualTo(BuildInfo.version())
                .isNotBlank()
                .doesNotContain("${");

        List<PluginCapability> caps = identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList();
        assertThat(caps)
                .extracting(c -> c.getService().getType())
                .contains(
                        PluginCapability.Service.Type.CONTROLLER_SERVICE,
                        PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS);
        assertThat(caps)
                .filteredOn(PluginCapability::hasVolumeExpansion)
                .extracting(c -> c.getVolumeExpansion().getType())
                .containsExactly(PluginCapability.VolumeExpansion.Type.ONLINE);
    }

    @Test
    void nodeOnlyPluginDoesNotAdvertiseTheControllerService() {
        CsiServer server = start(false, List.of());
        List<PluginCapability> caps = IdentityGrpc.newBlockingStub(dial(server))
                .getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList();
        assertThat(caps)
                .extracting(c -> c.getService().getType())
                .doesNotContain(PluginCapability.Service.Type.CONTROLLER_SERVICE);
    }

    @Test
    void probeReflectsTheRealDependencies() {
        AtomicBoolean lnetUp = new AtomicBoolean(false);
        CsiServer server = start(
                false,
                List.of(
                        () -> ReadinessCheck.Result.ready("api reachable"),
                        () -> lnetUp.get()
                                ? ReadinessCheck.Result.ready("lnet up")
                                : ReadinessCheck.Result.notReady("lnet down")));
        IdentityGrpc.IdentityBlockingStub identity = IdentityGrpc.newBlockingStub(dial(server));

        assertThat(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue())
                .isFalse();
        lnetUp.set(true);
        assertThat(identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue())
                .isTrue();
    }

    @Test
    void probeTreatsAThrowingCheckAsNotReady() {
        CsiServer server = start(false, List.of(() -> {
            throw new IllegalStateException("sysfs unreadable");
        }));
        assertThat(IdentityGrpc.newBlockingStub(dial(server))
                        .probe(ProbeRequest.getDefaultInstance())
                        .getReady()
                        .getValue())
                .isFalse();
    }

    @Test
    void socketIsReadableAndWritableByOwnerAndGroupOnly() throws Exception {
        CsiServer server = start(false, List.of());
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(server.endpoint().socketPath())))
                .isEqualTo("rw-rw----");
    }

    @Test
    void aLeftoverSocketFromAKilledProcessIsRemovedAtStart() throws Exception {
        Path socketPath = dir.resolve("csi/csi.sock");
        // Leave a real, unattended socket file behind, as a killed plugin does.
        io.netty.channel.unix.Socket leftover = io.netty.channel.unix.Socket.newSocketDomain();
        Files.createDirectories(socketPath.getParent());
        leftover.bind(new io.netty.channel.unix.DomainSocketAddress(socketPath.toString()));
        leftover.close();
        assertThat(socketPath).exists();

        CsiServer server = start(false, List.of());
        assertThat(IdentityGrpc.newBlockingStub(dial(server))
                        .getPluginInfo(GetPluginInfoRequest.getDefaultInstance())
                        .getName())
                .isEqualTo(DriverNames.DRIVER_NAME);
    }

    @Test
    void refusesToDeleteARegularFileAtTheSocketPath() throws Exception {
        Path socketPath = dir.resolve("csi/csi.sock");
        Files.createDirectories(socketPath.getParent());
        Files.writeString(socketPath, "precious");
        assertThatThrownBy(() -> start(false, List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a socket");
        assertThat(Files.readString(socketPath)).isEqualTo("precious");
    }

    @Test
    void anUncaughtExceptionBecomesInternalWithItsMessage() {
        BindableService broken = new NodeGrpc.NodeImplBase() {
            @Override
            public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
                throw new IllegalStateException("sysfs vanished");
            }
        };
        CsiServer server = start(false, List.of(), broken);
        assertThatThrownBy(() ->
                        NodeGrpc.newBlockingStub(dial(server)).nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                    assertThat(e.getStatus().getDescription()).contains("sysfs vanished");
                });
    }

    @Test
    void stopLetsInFlightCallsFinishAndRefusesNewOnes() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BindableService slow = new NodeGrpc.NodeImplBase() {
            @Override
            public void nodeStageVolume(
                    NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                response.onNext(NodeStageVolumeResponse.getDefaultInstance());
                response.onCompleted();
            }
        };
        CsiServer server = start(false, List.of(), slow);
        ManagedChannel channel = dial(server);
        CompletableFuture<NodeStageVolumeResponse> inFlight =
                CompletableFuture.supplyAsync(() -> NodeGrpc.newBlockingStub(channel)
                        .nodeStageVolume(NodeStageVolumeRequest.newBuilder()
                                .setVolumeId("v")
                                .build()));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.stop(Duration.ofSeconds(10)));
        // While the old call still runs, the server takes no new ones.
        Thread.sleep(200);
        assertThat(stopping).isNotDone();
        assertThatThrownBy(() -> IdentityGrpc.newBlockingStub(dial(server))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .getPluginInfo(GetPluginInfoRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        release.countDown();

        assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(NodeStageVolumeResponse.getDefaultInstance());
        stopping.get(10, TimeUnit.SECONDS);
        assertThat(server.endpoint().socketPath()).doesNotExist();
    }

    @Test
    void servesHealthAndReflection() throws Exception {
        CsiServer server = start(true, List.of());
        ManagedChannel channel = dial(server);
        assertThat(HealthGrpc.newBlockingStub(channel)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        RecordingObserver<ServerReflectionResponse> answer = new RecordingObserver<>();
        StreamObserver<ServerReflectionRequest> requests =
                ServerReflectionGrpc.newStub(channel).serverReflectionInfo(answer);
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(answer.awaitEnd().errors).isEmpty();
        assertThat(answer.values).hasSize(1);
        assertThat(answer.values.get(0).getListServicesResponse().getServiceList())
                .extracting(s -> s.getName())
                .contains("csi.v1.Identity", "grpc.health.v1.Health");
    }

    @Test
    void logsOneLinePerCallWithMethodVolumeAndCodeButNoSecrets() {
        BindableService node = new NodeGrpc.NodeImplBase() {
            @Override
            public void nodeStageVolume(
                    NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
                response.onError(
                        Status.INVALID_ARGUMENT.withDescription("bad option").asRuntimeException());
            }
        };
        CsiServer server = start(false, List.of(), node);
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThatThrownBy(() -> NodeGrpc.newBlockingStub(dial(server))
                            .nodeStageVolume(NodeStageVolumeRequest.newBuilder()
                                    .setVolumeId("v1:::scratch:")
                                    .putSecrets("password", "hunter2-secret")
                                    .putVolumeContext("mgsNids", "10.0.0.1@tcp")
                                    .build()))
                    .isInstanceOf(StatusRuntimeException.class);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .contains("csi.v1.Node/NodeStageVolume")
                .contains("volume=v1:::scratch:")
                .contains("code=INVALID_ARGUMENT")
                .contains("latency=");
        assertThat(log).doesNotContain("hunter2-secret");
    }
}
