package dev.lustrecsi.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** Turns API client failures into the one-line messages a shell user can act on. */
final class ApiErrors {
    private ApiErrors() {}

    static String describe(KubernetesClientException e, String server) {
        int code = e.getCode();
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : e.getMessage();
        if (code <= 0) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return "cannot reach the Kubernetes API server" + (server == null ? "" : " at " + server) + ": "
                    + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage())
                    + " (check KUBECONFIG / --context)";
        }
        if (code == 401) {
            return "unauthorized: check your kubeconfig credentials (" + reason + ")";
        }
        if (code == 403) {
            return "forbidden: " + reason;
        }
        if (code == 404 && reason != null && reason.contains("lustrefilesystems")) {
            return "the LustreFileSystem CRD is not installed (install the lustre-csi chart): " + reason;
        }
        return reason + " (HTTP " + code + ")";
    }
}
