package dev.lustrecsi.csi.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Counts CSI calls by method and gRPC code and records their latency, for Prometheus. Each call is counted once:
 * when it is answered, or when its caller gives up first (code DEADLINE_EXCEEDED or CANCELLED).
 */
public final class CallMetricsInterceptor implements ServerInterceptor {
    private final Counter calls;
    private final Histogram latency;

    public CallMetricsInterceptor(PrometheusRegistry registry) {
        calls = Counter.builder()
                .name("csi_calls_total")
                .help("CSI calls answered, by method and gRPC status code")
                .labelNames("method", "code")
                .register(registry);
        // Buckets from a bind mount (~100 us) to a dedicated-filesystem create (minutes).
        latency = Histogram.builder()
                .name("csi_call_duration_seconds")
                .help("CSI call latency, by method")
                .labelNames("method")
                .classicUpperBounds(
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
                .register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getBareMethodName();
        AtomicBoolean recorded = new AtomicBoolean();
        Consumer<Status.Code> record = code -> {
            if (recorded.compareAndSet(false, true)) {
                // A handler that finishes after its caller gave up "closes" with the code the caller never saw. The
                // transport may not have seen the caller's cancellation yet; the call's own deadline tells as well.
                if (code == Status.Code.OK && (call.isCancelled() || deadlineExpired())) {
                    code = callerGaveUp();
                }
                calls.labelValues(method, code.name()).inc();
                latency.labelValues(method).observe((System.nanoTime() - start) / 1e9);
            }
        };
        ServerCall.Listener<Q> listener = next.startCall(
                new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        record.accept(status.getCode());
                        super.close(status, trailers);
                    }
                },
                headers);
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                // The caller gave up (kubelet's or a sidecar's timeout) and will retry with a new call. Counted now,
                // with the code the caller saw: the handler may finish later and "close" with OK, which the caller
                // never received, or never close at all.
                record.accept(callerGaveUp());
                super.onCancel();
            }
        };
    }

    private static boolean deadlineExpired() {
        Deadline deadline = Context.current().getDeadline();
        return deadline != null && deadline.isExpired();
    }

    private static Status.Code callerGaveUp() {
        return deadlineExpired() ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED;
    }
}
