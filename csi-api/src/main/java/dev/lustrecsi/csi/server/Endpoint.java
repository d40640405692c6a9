package dev.lustrecsi.csi.server;

import java.nio.file.Path;

/**
 * A CSI endpoint as the Kubernetes sidecars spell it: {@code unix:///abs/path.sock}
 * (also accepted: {@code unix:/abs/path.sock} and a bare absolute path).
 */
public record Endpoint(Path socketPath) {

    public static Endpoint parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("endpoint is empty");
        }
        String path;
        if (text.startsWith("unix://")) {
            path = text.substring("unix://".length());
        } else if (text.startsWith("unix:")) {
            path = text.substring("unix:".length());
        } else if (text.startsWith("/")) {
            path = text;
        } else {
            throw new IllegalArgumentException(
                    "unsupported endpoint '" + text + "': expected unix:///absolute/path.sock");
        }
        if (!path.startsWith("/") || path.contains("\0")) {
            throw new IllegalArgumentException("endpoint '" + text + "' must name an absolute socket path");
        }
        return new Endpoint(Path.of(path).normalize());
    }

    /** The form gRPC clients (and the CSI sidecars) dial. */
    public String uri() {
        return "unix://" + socketPath;
    }
}
