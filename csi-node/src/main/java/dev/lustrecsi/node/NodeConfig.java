package dev.lustrecsi.node;

import java.time.Duration;

/**
 * Settings of the node service.
 *
 * @param nodeId     the Kubernetes node name, reported to the CO
 * @param maxVolumes volumes this node may stage at once (0: no limit)
 * @param paths      the kubelet directories requests must stay in
 * @param lockWait   how long a call waits for another call on the same volume to finish
 */
public record NodeConfig(String nodeId, long maxVolumes, NodePaths paths, Duration lockWait) {

    public NodeConfig {
        if (nodeId == null || !nodeId.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("invalid node id '" + nodeId + "': expected a Kubernetes node name");
        }
        if (maxVolumes < 0) {
            throw new IllegalArgumentException("max volumes must not be negative");
        }
    }
}
