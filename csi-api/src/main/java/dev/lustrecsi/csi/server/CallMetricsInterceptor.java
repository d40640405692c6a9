package dev.lustrecsi.csi.server;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Counts CSI calls by method and gRPC code and records their latency, for Prometheus. */
public final class CallMetricsInterceptor implements ServerInterceptor {
    private final Counter calls;
    private final Histogram latency;

    public CallMetricsInterceptor(PrometheusRegistry registry) {
        calls = Counter.builder().name("csi_calls_total")
                .help("CSI calls answered, by method and gRPC status code")
                .labelNames("method", "code")
                .register(registry);
        // Buckets from a bind mount (~100 us) to a dedicated-filesystem create (minutes).
        latency = Histogram.builder().name("csi_call_duration_seconds")
                .help("CSI call latency, by method")
                .labelNames("method")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
                .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                calls.labelValues(method, status.getCode().name()).inc();
                latency.labelValues(method).observe((System.nanoTime() - start) / 1e9);
                super.close(status, trailers);
            }
        }, headers);
    }
}
