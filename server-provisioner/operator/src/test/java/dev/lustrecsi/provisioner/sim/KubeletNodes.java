package dev.lustrecsi.provisioner.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.provisioner.fencing.NodeFencer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * The cluster's Nodes as their kubelets keep them: a Ready condition in the status and a Lease renewed in
 * kube-node-lease, which is what the node lifecycle controller and {@link NodeFencer} read. Nodes are
 * cluster-wide: {@link #close()} deletes them, so that a control plane shared with the next test does not keep
 * them.
 */
public final class KubeletNodes implements AutoCloseable {
    /** The kubelet's Lease duration (KubeletConfiguration nodeLeaseDurationSeconds, default 40). */
    private static final int LEASE_SECONDS = 40;

    private final KubernetesClient client;
    private final List<String> names;

    private KubeletNodes(KubernetesClient client, List<String> names) {
        this.client = client;
        this.names = List.copyOf(names);
    }

    /** Registers the nodes, Ready for an hour and with a Lease renewed at {@code now}. */
    public static KubeletNodes register(KubernetesClient client, List<String> names, Instant now) {
        KubeletNodes nodes = new KubeletNodes(client, names);
        for (String n : names) {
            client.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName(n)
                            .addToLabels("kubernetes.io/hostname", n)
                            .endMetadata()
                            .withNewSpec()
                            .endSpec()
                            .build())
                    .create();
            nodes.status(n, "True", now.minus(Duration.ofHours(1)));
            nodes.lease(n, now);
        }
        return nodes;
    }

    public List<String> names() {
        return names;
    }

    /** A node other than the given one. */
    public String other(String node) {
        return names.stream().filter(n -> !n.equals(node)).findFirst().orElseThrow();
    }

    /** The node's kubelet stopped: Ready is Unknown since {@code since}, its Lease last renewed a lease before. */
    public void dies(String node, Instant since) {
        status(node, "Unknown", since);
        lease(node, since.minus(Duration.ofSeconds(LEASE_SECONDS))); // the lifecycle controller's grace
    }

    /** Sets the node's Ready condition ("True", "False" or "Unknown") as of {@code since}. */
    public void status(String node, String ready, Instant since) {
        client.nodes()
                .withName(node)
                .editStatus(n -> new NodeBuilder(n)
                        .withNewStatus()
                        .addNewCondition()
                        .withType("Ready")
                        .withStatus(ready)
                        .withLastTransitionTime(since.toString())
                        .endCondition()
                        .endStatus()
                        .build());
        assertThat(client.nodes()
                        .withName(node)
                        .get()
                        .getStatus()
                        .getConditions()
                        .get(0)
                        .getStatus())
                .isEqualTo(ready);
    }

    /** The node's kubelet renewed its Lease at {@code renewed}. */
    public void lease(String node, Instant renewed) {
        client.leases()
                .inNamespace(NodeFencer.NODE_LEASE_NAMESPACE)
                .resource(new LeaseBuilder()
                        .withNewMetadata()
                        .withName(node)
                        .withNamespace(NodeFencer.NODE_LEASE_NAMESPACE)
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity(node)
                        .withLeaseDurationSeconds(LEASE_SECONDS)
                        .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC))
                        .endSpec()
                        .build())
                .createOr(op -> op.update());
    }

    @Override
    public void close() {
        names.forEach(n -> client.nodes().withName(n).delete());
    }
}
