package dev.lustrecsi.csi.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception a service method forgot to handle into the status {@link GrpcErrors} maps it to (gRPC's
 * default is UNKNOWN with no message, which tells the CO and the admin nothing). A thrown
 * {@link StatusRuntimeException} keeps its own status, with its description bounded and escaped.
 */
public final class UncaughtExceptionInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(UncaughtExceptionInterceptor.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    fail(call, e);
                }
            }

            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (RuntimeException e) {
                    fail(call, e);
                }
            }
        };
    }

    private static void fail(ServerCall<?, ?> call, RuntimeException e) {
        Status status = statusOf(e);
        if (status.getCode() == Status.Code.INTERNAL) {
            LOG.error(
                    "{} failed with an unexpected exception",
                    call.getMethodDescriptor().getFullMethodName(),
                    e);
        }
        try {
            call.close(status, new Metadata());
        } catch (IllegalStateException alreadyClosed) {
            LOG.debug("call already closed", alreadyClosed);
        }
    }

    static Status statusOf(Throwable e) {
        return GrpcErrors.statusOf(e);
    }
}
