package dev.lustrecsi.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The startup taint ({@code lustre.csi.lustrecsi.dev/agent-not-ready}, any effect) an admin or a node
 * pool puts on new nodes so no pod that needs Lustre lands before this plugin can mount; the plugin takes
 * it off its own Node once its Lustre client is ready (the same condition that makes Probe ready), as the
 * EBS CSI driver does. The removal is a JSON patch that first tests the taint is still where it was read,
 * so a concurrent change to the Node's taints makes it fail (and be retried) instead of removing another.
 * RBAC: nodes get, patch.
 */
public final class StartupTaint {
    private static final Logger LOG = LoggerFactory.getLogger(StartupTaint.class);

    private final KubernetesClient client;
    private final String nodeName;
    private final String key;

    public StartupTaint(KubernetesClient client, String nodeName, String key) {
        this.client = client;
        this.nodeName = nodeName;
        this.key = key;
    }

    /**
     * Removes the taint when the plugin is ready. Returns true when there is nothing more to do (the Node
     * has no such taint any more), false when it should be tried again later (not ready, API error).
     */
    public boolean removeIfReady(boolean ready) {
        if (!ready) {
            return false;
        }
        try {
            Node node = client.nodes().withName(nodeName).get();
            if (node == null) {
                LOG.warn("node {} not found in the API; cannot remove taint {}", nodeName, key);
                return false;
            }
            List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null
                    ? List.of()
                    : node.getSpec().getTaints();
            boolean removedAny = false;
            for (int i = taints.size() - 1; i >= 0; i--) {
                if (key.equals(taints.get(i).getKey())) {
                    String patch = "[{\"op\":\"test\",\"path\":\"/spec/taints/" + i + "/key\",\"value\":\"" + key
                            + "\"}," + "{\"op\":\"remove\",\"path\":\"/spec/taints/" + i + "\"}]";
                    client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON), patch);
                    removedAny = true;
                }
            }
            if (removedAny) {
                LOG.info("Lustre client ready: removed taint {} from node {}", key, nodeName);
            }
            return true;
        } catch (KubernetesClientException e) {
            LOG.warn("cannot remove taint {} from node {} yet: {}", key, nodeName, e.getMessage());
            return false;
        }
    }
}
