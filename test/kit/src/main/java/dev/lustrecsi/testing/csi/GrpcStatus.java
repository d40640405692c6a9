package dev.lustrecsi.testing.csi;

import io.grpc.Status;
import org.assertj.core.api.Condition;

/**
 * The gRPC status a CSI call failed with, as an AssertJ condition: {@code assertThatThrownBy(call).has(status(
 * NOT_FOUND))}, or {@code assertThat(e).has(status(...))} on a caught exception. The code is read with {@link
 * Status#fromThrowable}, as a gRPC client sees it (a {@code StatusRuntimeException} from a stub, also when wrapped).
 * A failure prints the exception, whose message starts with the code it had.
 */
public final class GrpcStatus {
    private GrpcStatus() {}

    /** The call failed with {@code code}. */
    public static Condition<Throwable> status(Status.Code code) {
        return new Condition<>(e -> Status.fromThrowable(e).getCode() == code, "gRPC status %s", code);
    }
}
