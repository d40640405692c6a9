package io.fabric8.kubernetes.client;

/**
 * Test-only stand-in with the name of fabric8's exception: csi-api does not depend on the Kubernetes client, and
 * GrpcErrors recognises its exception by name (see GrpcErrors.KUBERNETES_CLIENT_EXCEPTION).
 */
public class KubernetesClientException extends RuntimeException {
    public KubernetesClientException(String message) {
        super(message);
    }
}
