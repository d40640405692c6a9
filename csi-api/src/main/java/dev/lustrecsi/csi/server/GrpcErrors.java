package dev.lustrecsi.csi.server;

import dev.lustrecsi.lustre.CommandFailedException;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.lustre.mount.MountTimeoutException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from an exception to the gRPC status a CSI caller sees, for the controller, the node plugin and
 * the server's last-resort interceptor alike. Every description leaves here bounded ({@link #MAX_DESCRIPTION}
 * bytes) and escaped ({@link #escape}): descriptions quote untrusted input (volume ids, paths, parameters), and
 * they end up in gRPC trailers, Kubernetes Events and log lines.
 *
 * <p>Rules, first match wins (keyed on exception types so new kinds extend them here, in one place):
 * <ul>
 *   <li>a {@link StatusRuntimeException} or {@link StatusException}: its own status;</li>
 *   <li>{@link MountTimeoutException}: DEADLINE_EXCEEDED (a bound ran out; the CO retries);</li>
 *   <li>{@link MountException}: by its {@link MountException.Kind}, read from the errno mount.lustre reported
 *       (CSI spec: INVALID_ARGUMENT and NOT_FOUND are not worth a blind retry; UNAVAILABLE and ABORTED are;
 *       EBUSY is FAILED_PRECONDITION; a failure with no errno, e.g. mount(8)'s own status, UNAVAILABLE);</li>
 *   <li>{@link CommandFailedException} (an lfs/lctl command failed): INTERNAL;</li>
 *   <li>fabric8's {@code KubernetesClientException}: UNAVAILABLE (the API server did not answer as asked);</li>
 *   <li>anything else: INTERNAL, logged with its stack trace.</li>
 * </ul>
 */
public final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

    /** Descriptions travel in an HTTP/2 trailer: far below the 8 KiB clients accept for all headers. */
    public static final int MAX_DESCRIPTION = 1024;

    /**
     * Matched by name: csi-api does not carry the Kubernetes client (its model is some thirty jars), while both
     * plugins that throw it do.
     */
    private static final String KUBERNETES_CLIENT_EXCEPTION = "io.fabric8.kubernetes.client.KubernetesClientException";

    private GrpcErrors() {}

    /** The status for {@code e}, with a bounded, escaped description. */
    public static Status statusOf(Throwable e) {
        Status status;
        if (e instanceof StatusRuntimeException sre) {
            status = sre.getStatus();
        } else if (e instanceof StatusException se) {
            status = se.getStatus();
        } else if (e instanceof MountTimeoutException) {
            status = Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()).withCause(e);
        } else if (e instanceof MountException me) {
            status = mountStatus(me.kind()).withDescription(e.getMessage()).withCause(e);
        } else if (e instanceof CommandFailedException) {
            status = Status.INTERNAL.withDescription(e.getMessage()).withCause(e);
        } else if (isA(e, KUBERNETES_CLIENT_EXCEPTION)) {
            status = Status.UNAVAILABLE
                    .withDescription("Kubernetes API: " + e.getMessage())
                    .withCause(e);
        } else {
            status = Status.INTERNAL
                    .withDescription("internal error: "
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()))
                    .withCause(e);
        }
        return status.withDescription(bounded(status.getDescription()));
    }

    private static Status mountStatus(MountException.Kind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case SERVERS_UNREACHABLE -> Status.UNAVAILABLE;
            case BUSY -> Status.FAILED_PRECONDITION;
            case ALREADY_MOUNTED -> Status.ABORTED;
            // No errno to go by (e.g. mount(8)'s own status): the servers or the client did not let us mount, and a
            // retry may succeed, as for the controller's pool mounts.
            case OTHER -> Status.UNAVAILABLE;
        };
    }

    /**
     * Runs one unary call: its result, or the mapped status of what it threw. Unexpected exceptions (INTERNAL) are
     * logged with their stack trace; the rest are the caller's to log (the call log has every failed call).
     */
    public static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            Status status = statusOf(e);
            if (status.getCode() == Status.Code.INTERNAL && !(e instanceof StatusRuntimeException)) {
                LOG.error("unexpected failure", e);
            } else if (status.getCode() == Status.Code.UNAVAILABLE && isA(e, KUBERNETES_CLIENT_EXCEPTION)) {
                LOG.warn("Kubernetes API call failed", e);
            }
            response.onError(status.asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    /** A mount or command failure as the status the caller gets, for code that must decide on it before answering. */
    public static StatusRuntimeException asStatus(RuntimeException e) {
        return statusOf(e).asRuntimeException();
    }

    /**
     * Untrusted text made safe to quote in one line: control characters escaped (a newline cannot
     * forge a log line), and at most {@link #MAX_DESCRIPTION} bytes of UTF-8, with how much was cut.
     */
    public static String bounded(String text) {
        if (text == null) {
            return null;
        }
        String clean = escape(text);
        if (utf8Length(clean) <= MAX_DESCRIPTION) {
            return clean;
        }
        StringBuilder out = new StringBuilder();
        int bytes = 0;
        int budget = MAX_DESCRIPTION - 40;
        for (int i = 0; i < clean.length(); ) {
            int cp = clean.codePointAt(i);
            int n = utf8Length(cp);
            if (bytes + n > budget) {
                break;
            }
            out.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        return out.append("... (")
                .append(utf8Length(clean) - bytes)
                .append(" more bytes)")
                .toString();
    }

    /** Control characters (C0, DEL, C1, line and paragraph separators) as escapes; everything else as is. */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default ->
                    Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
                            ? String.format("\\u%04x", (int) c)
                            : null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /** {@link #escape} and at most {@code max} characters: for quoting one field (an id, a name) inside a message. */
    public static String quote(String text, int max) {
        String clean = escape(text == null ? "" : text);
        return clean.length() > max ? clean.substring(0, max) + "..." : clean;
    }

    private static boolean isA(Throwable e, String className) {
        for (Class<?> c = e.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += utf8Length(cp);
            i += Character.charCount(cp);
        }
        return n;
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
}
