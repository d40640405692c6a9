package dev.lustrecsi.provisioner.fencing;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.reconcile.EventReason;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a Lustre server VM back when the node under it dies. KubeVirt does not restart a VMI elsewhere while its
 * virt-launcher pod is on a NotReady node (the pod is not known to be gone), and the VM's RWO block disks stay
 * attached to the dead node; the target is down until someone acts. This class acts the way Kubernetes'
 * non-graceful node shutdown expects an administrator to: it puts the {@code node.kubernetes.io/out-of-service}
 * taint on the node (KEP-2268, GA in Kubernetes 1.28). kube-controller-manager then force-deletes the node's pods
 * (pod GC) and force-detaches its volumes at once (attach-detach controller), so KubeVirt restarts the VM on
 * another node with the same disks; the targets then go through Lustre recovery with their clients.
 *
 * <p>Why the taint and not force-deleting the virt-launcher pod: a force-deleted pod's volumes are detached only
 * after the attach-detach controller's 6-minute maxWaitForUnmountDuration, and deleting one pod leaves the other
 * pods of a dead node in place; the taint is the one path Kubernetes defines for "this node is down", and it
 * covers the disks.
 *
 * <p>When: only for a node that (1) is NotReady for the filesystem's grace period and (2) whose kubelet has been
 * silent as long: its Lease in {@code kube-node-lease} was not renewed. A node whose kubelet still renews but
 * reports NotReady (a runtime problem) may still run the VM, and is left alone. (3) Never when half or more of the
 * nodes look dead at once: that is what a partition between this operator (or the control plane) and the nodes
 * looks like, not a node failure - the node lifecycle controller stops evicting in the same situation
 * (unhealthyZoneThreshold). (4) Only on the operator's leader, whose Lease renewals prove its API view is current.
 *
 * <p>A wrong decision cannot corrupt a target: targets are formatted with multiple mount protection (see
 * {@code MkfsLustreCommands.withMultiMountProtection}), so a VM started while the old one still writes fails to
 * mount instead. The taint stays until an administrator removes it after repairing the node, as Kubernetes
 * requires (removing it early would let the node's stale pods come back).
 */
public final class NodeFencer {
    private static final Logger LOG = LoggerFactory.getLogger(NodeFencer.class);

    /** Kubernetes' taint for a node that is shut down (k8s.io/api/core/v1 TaintNodeOutOfService). */
    public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";
    /** Where kubelets renew their node Leases (k8s.io/api/core/v1 NamespaceNodeLease). */
    public static final String NODE_LEASE_NAMESPACE = "kube-node-lease";
    /** Annotation on a fenced node: who fenced it, when and for which server. */
    public static final String FENCED_ANNOTATION = Labels.PREFIX + "fenced";

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final EventRecorder events;

    /** @param namespace the namespace of the filesystems, or null for all */
    public NodeFencer(KubernetesClient client, String namespace, Clock clock, EventRecorder events) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
        this.events = events;
    }

    /** Why a node is or is not fenced this round. */
    public enum Verdict {
        HEALTHY,
        WITHIN_GRACE,
        KUBELET_ALIVE,
        TOO_MANY_DOWN,
        FENCE
    }

    /** One pass: returns the nodes fenced by it. */
    public List<String> round() {
        Instant now = clock.instant();
        List<Node> nodes = client.nodes().list().getItems();
        Map<String, Lease> leases = new HashMap<>();
        client.leases()
                .inNamespace(NODE_LEASE_NAMESPACE)
                .list()
                .getItems()
                .forEach(l -> leases.put(l.getMetadata().getName(), l));
        Map<String, Node> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.getMetadata().getName(), n));

        var vmiOp = client.resources(VirtualMachineInstance.class);
        List<VirtualMachineInstance> vmis = (namespace == null ? vmiOp.inAnyNamespace() : vmiOp.inNamespace(namespace))
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .list()
                .getItems();
        long silent = nodes.stream()
                .filter(n ->
                        silentSince(n, leases.get(n.getMetadata().getName())).isPresent())
                .count();
        List<String> fenced = new ArrayList<>();
        TreeSet<String> decided = new TreeSet<>();
        for (VirtualMachineInstance vmi : vmis) {
            String nodeName = vmi.getStatus() == null ? null : vmi.getStatus().getNodeName();
            Node node = nodeName == null ? null : byName.get(nodeName);
            if (node == null || isFenced(node) || decided.contains(nodeName)) {
                continue;
            }
            Optional<LustreFileSystem> fs = owner(vmi);
            Duration grace = fs.map(f -> f.getSpec().nodeFailureGrace())
                    .orElse(Duration.ofSeconds(LustreFileSystemSpec.DEFAULT_NODE_FAILURE_GRACE_SECONDS));
            Verdict verdict = verdict(node, leases.get(nodeName), grace, now, silent, nodes.size());
            if (verdict == Verdict.TOO_MANY_DOWN) {
                LOG.warn(
                        "{} of {} nodes look down at once: treating it as a partition, fencing nothing",
                        silent,
                        nodes.size());
                return List.of();
            }
            if (verdict != Verdict.FENCE) {
                continue;
            }
            decided.add(nodeName);
            String why = "server VM " + vmi.getMetadata().getNamespace() + "/"
                    + vmi.getMetadata().getName() + " is on node " + nodeName + ", NotReady and silent for longer than "
                    + grace.toSeconds() + "s";
            fence(node, why, now);
            fenced.add(nodeName);
            fs.ifPresent(f -> events.warning(
                    f,
                    EventReason.ServerNodeFenced,
                    "Fenced " + why + " (taint " + OUT_OF_SERVICE
                            + "); the VM restarts on another node with the same disks"));
        }
        return fenced;
    }

    /** The decision for one node, given how many of {@code total} nodes are silent. */
    static Verdict verdict(Node node, Lease lease, Duration grace, Instant now, long silentNodes, int totalNodes) {
        Optional<Instant> notReadySince = notReadySince(node);
        if (notReadySince.isEmpty()) {
            return Verdict.HEALTHY;
        }
        Optional<Instant> silent = silentSince(node, lease);
        if (silent.isEmpty()) {
            return Verdict.KUBELET_ALIVE;
        }
        Instant cutoff = now.minus(grace);
        if (notReadySince.get().isAfter(cutoff) || silent.get().isAfter(cutoff)) {
            return Verdict.WITHIN_GRACE;
        }
        if (silentNodes * 2 >= totalNodes) {
            return Verdict.TOO_MANY_DOWN;
        }
        return Verdict.FENCE;
    }

    /** Since when the node's Ready condition is not True, if it is not. */
    static Optional<Instant> notReadySince(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && !"True".equals(c.getStatus())) {
                return Optional.ofNullable(c.getLastTransitionTime()).map(Instant::parse);
            }
        }
        return Optional.empty();
    }

    /**
     * Since when the node's kubelet has not renewed its Lease, for a NotReady node; empty for a Ready node or one
     * without a Lease (then nothing proves the kubelet silent).
     */
    static Optional<Instant> silentSince(Node node, Lease lease) {
        if (notReadySince(node).isEmpty() || lease == null || lease.getSpec() == null) {
            return Optional.empty();
        }
        ZonedDateTime renewed = lease.getSpec().getRenewTime() != null
                ? lease.getSpec().getRenewTime()
                : lease.getSpec().getAcquireTime();
        return Optional.ofNullable(renewed).map(ZonedDateTime::toInstant);
    }

    /** The node carries the out-of-service taint: this operator (or an administrator) declared it down. */
    public static boolean isFenced(Node node) {
        return node.getSpec() != null
                && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream()
                        .anyMatch(t -> OUT_OF_SERVICE.equals(t.getKey()) && "NoExecute".equals(t.getEffect()));
    }

    private void fence(Node node, String why, Instant now) {
        String name = node.getMetadata().getName();
        LOG.warn("fencing node {}: {}", name, why);
        Taint taint = new TaintBuilder()
                .withKey(OUT_OF_SERVICE)
                .withValue("nodeshutdown")
                .withEffect("NoExecute")
                .withTimeAdded(now.toString())
                .build();
        client.nodes().withName(name).edit(n -> {
            if (isFenced(n)) {
                return n;
            }
            List<Taint> taints = n.getSpec().getTaints() == null
                    ? new ArrayList<>()
                    : new ArrayList<>(n.getSpec().getTaints());
            taints.add(taint);
            n.getSpec().setTaints(taints);
            Map<String, String> annotations = n.getMetadata().getAnnotations() == null
                    ? new HashMap<>()
                    : new HashMap<>(n.getMetadata().getAnnotations());
            annotations.put(FENCED_ANNOTATION, now + " by " + EventRecorder.COMPONENT + ": " + bounded(why));
            n.getMetadata().setAnnotations(annotations);
            return n;
        });
    }

    private Optional<LustreFileSystem> owner(VirtualMachineInstance vmi) {
        Map<String, String> labels = vmi.getMetadata().getLabels();
        String fs = labels == null ? null : labels.get(Labels.FILESYSTEM);
        if (fs == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(client.resources(LustreFileSystem.class)
                .inNamespace(vmi.getMetadata().getNamespace())
                .withName(fs)
                .get());
    }

    private static String bounded(String s) {
        return s.length() <= 512 ? s : s.substring(0, 509) + "...";
    }
}
