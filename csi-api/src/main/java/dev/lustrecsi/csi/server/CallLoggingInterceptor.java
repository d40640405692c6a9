package dev.lustrecsi.csi.server;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per call: method, volume id (when the request has one), gRPC code and latency.
 * Only the {@code volume_id} field is read from requests, so secrets and volume contexts never
 * reach the log.
 */
public final class CallLoggingInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger("csi.calls");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        AtomicReference<String> volumeId = new AtomicReference<>("");
        ServerCall<Q, R> logging = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                long micros = (System.nanoTime() - start) / 1_000;
                String vol = volumeId.get().isEmpty() ? "" : " volume=" + volumeId.get();
                if (status.isOk()) {
                    LOG.info("{}{} code=OK latency={}us", method, vol, micros);
                } else {
                    // Services answer through GrpcErrors; escaped again here for any that does not.
                    LOG.warn(
                            "{}{} code={} latency={}us message={}",
                            method,
                            vol,
                            status.getCode(),
                            micros,
                            GrpcErrors.bounded(status.getDescription()));
                }
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(logging, headers)) {
            @Override
            public void onMessage(Q message) {
                if (message instanceof Message m) {
                    volumeId.set(volumeIdOf(m));
                }
                super.onMessage(message);
            }
        };
    }

    private static String volumeIdOf(Message m) {
        FieldDescriptor field = m.getDescriptorForType().findFieldByName("volume_id");
        if (field == null || field.getType() != FieldDescriptor.Type.STRING) {
            return "";
        }
        String id = (String) m.getField(field);
        // Ids are untrusted input: keep log lines single (escaped) and short.
        return GrpcErrors.quote(id, 160);
    }
}
