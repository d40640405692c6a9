package dev.lustrecsi.csi.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.GetPluginInfoRequest;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeResponse;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * csi_calls_total and csi_call_duration_seconds as an admin's Prometheus sees them: every call counted once by
 * method and final gRPC code (errors and calls the client gave up on included), with its latency.
 */
class CallMetricsTest {
    @TempDir
    Path dir;

    private CsiServer server;
    private ManagedChannel channel;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch unstageEnded = new CountDownLatch(1);
    private final CountDownLatch unstageCancelled = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.stop(Duration.ofSeconds(1));
        }
    }

    /** A node service that answers, fails with NOT_FOUND, or blocks (an unmount hanging on a dead server). */
    private final class Node extends NodeGrpc.NodeImplBase {
        @Override
        public void nodeGetInfo(NodeGetInfoRequest request, StreamObserver<NodeGetInfoResponse> response) {
            response.onNext(NodeGetInfoResponse.newBuilder().setNodeId("n1").build());
            response.onCompleted();
        }

        @Override
        public void nodeStageVolume(NodeStageVolumeRequest request, StreamObserver<NodeStageVolumeResponse> response) {
            response.onError(Status.NOT_FOUND.withDescription("no such volume").asRuntimeException());
        }

        @Override
        public void nodeUnstageVolume(
                NodeUnstageVolumeRequest request, StreamObserver<NodeUnstageVolumeResponse> response) {
            io.grpc.Context.current().addListener(c -> unstageCancelled.countDown(), Runnable::run);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                response.onNext(NodeUnstageVolumeResponse.getDefaultInstance());
                response.onCompleted();
            } finally {
                unstageEnded.countDown();
            }
        }
    }

    private static String scrape(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void countsEachCallByMethodAndCodeWithItsLatency() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        server = CsiServer.start(
                Endpoint.parse("unix://" + dir.resolve("csi.sock")),
                List.of(new IdentityService(false, List.of()), new Node()),
                registry);
        channel = UnixChannels.open(server.endpoint().uri());
        NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(channel);

        node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        IdentityGrpc.newBlockingStub(channel).getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        assertThatThrownBy(() -> node.nodeStageVolume(NodeStageVolumeRequest.getDefaultInstance()))
                .hasMessageContaining("NOT_FOUND");
        // kubelet gives up on a slow call: the call still ends on the server and must be counted.
        assertThatThrownBy(() -> node.withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                        .nodeUnstageVolume(NodeUnstageVolumeRequest.getDefaultInstance()))
                .hasMessageContaining("DEADLINE_EXCEEDED");
        // The server learns of the cancellation asynchronously; only then does the handler finish (as a hung
        // unmount that returns late would), so the call's final code is the cancellation, not OK.
        assertThat(unstageCancelled.await(30, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        assertThat(unstageEnded.await(30, TimeUnit.SECONDS)).isTrue();
        // The interceptor counts the call when gRPC closes it, which may come just after the handler returned.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!scrape(registry).contains("method=\"NodeUnstageVolume\"} 1.0") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(scrape(registry))
                .contains("csi_calls_total{code=\"OK\",method=\"NodeGetInfo\"} 2.0")
                .contains("csi_calls_total{code=\"OK\",method=\"GetPluginInfo\"} 1.0")
                .contains("csi_calls_total{code=\"NOT_FOUND\",method=\"NodeStageVolume\"} 1.0")
                .containsPattern(
                        "csi_calls_total\\{code=\"(CANCELLED|DEADLINE_EXCEEDED)\",method=\"NodeUnstageVolume\"} 1.0");
        String text = scrape(registry);
        assertThat(text)
                .contains("csi_call_duration_seconds_count{method=\"NodeGetInfo\"} 2")
                .contains("csi_call_duration_seconds_bucket{method=\"NodeGetInfo\",le=\"+Inf\"} 2")
                .contains("csi_call_duration_seconds_count{method=\"NodeStageVolume\"} 1")
                .contains("csi_call_duration_seconds_count{method=\"NodeUnstageVolume\"} 1")
                .doesNotContain("code=\"OK\",method=\"NodeUnstageVolume\"");
    }
}
