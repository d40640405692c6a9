package dev.lustrecsi.provisioner.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node under a Lustre server VM dies (the KubeVirt simulator models virt-launcher pods on Nodes: nothing restarts
 * while the pod is on a NotReady node). The operator fences the node once it has been NotReady with a silent
 * kubelet for the filesystem's grace, the VM comes back on another node with the same disks, and the filesystem is
 * Ready again. What must never cause a move: a NotReady node whose kubelet still renews its Lease, a node within
 * the grace, and many nodes going silent at once (a partition, not failures).
 */
class NodeFailureTest {
    private static final List<String> NODES = List.of("node-a", "node-b", "node-c", "node-d");
    private OperatorHarness h;
    private final Instant now = Instant.now();
    private NodeFencer fencer;

    /** The cluster the test runs on: fabric8's mock API server here, a real one in a subclass. */
    OperatorHarness harness() {
        return new OperatorHarness("scratch");
    }

    @BeforeEach
    void bootstrap() {
        h = harness();
        NODES.forEach(n -> {
            h.client()
                    .nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName(n)
                            .endMetadata()
                            .withNewSpec()
                            .endSpec()
                            .build())
                    .create();
            status(n, "True", now.minus(Duration.ofHours(1)));
            lease(n, now);
        });
        // Static addresses on a Multus network: a server keeps its NID wherever it runs.
        LustreFileSystem fs = Fixtures.o2ib("lfs", 4);
        fs.getSpec().setNodeFailureGraceSeconds(120);
        h.create(fs);
        h.runUntilReady("lfs", 80);
        fencer = new NodeFencer(
                h.client(), h.namespace(), Clock.fixed(now, ZoneOffset.UTC), new EventRecorder(h.client()));
    }

    @AfterEach
    void close() {
        // Nodes are cluster-wide: a control plane shared with the next test must not keep them.
        NODES.forEach(n -> h.client().nodes().withName(n).delete());
        h.close();
    }

    @Test
    void aServerWhoseNodeDiedRestartsOnAnotherNodeWithTheSameDisks() {
        String server = "lfs-oss1";
        String dead = nodeOf(server);
        String nid = h.get("lfs").getStatus().server(server).orElseThrow().getNid();
        Map<String, String> disks = pvcUids();
        List<String> volumesBefore = claimNames(server);
        dies(dead, now.minus(Duration.ofMinutes(3)));
        h.run("lfs", 10);
        assertThat(nodeOf(server))
                .as("KubeVirt keeps the VMI on the NotReady node")
                .isEqualTo(dead);
        assertThat(h.get("lfs").getStatus().getPhase()).isNotEqualTo(Phase.Ready);

        assertThat(fencer.round()).containsExactly(dead);

        LustreFileSystem back =
                h.runUntil("lfs", f -> f.getStatus().getPhase() == Phase.Ready && !dead.equals(nodeOf(server)), 80);
        assertThat(nodeOf(server)).isNotEqualTo(dead).isIn(NODES);
        assertThat(claimNames(server)).as("the same disks").isEqualTo(volumesBefore);
        assertThat(pvcUids()).as("no disk was re-created").isEqualTo(disks);
        assertThat(back.getStatus().getActiveOsts()).isEqualTo(4);
        assertThat(back.getStatus().server(server).orElseThrow().getNid())
                .as("the same NID")
                .isEqualTo(nid);
        Node fenced = h.client().nodes().withName(dead).get();
        assertThat(NodeFencer.isFenced(fenced)).isTrue();
        assertThat(fenced.getMetadata().getAnnotations().get(NodeFencer.FENCED_ANNOTATION))
                .contains(server);
        assertThat(h.eventReasons()).contains("ServerNodeFenced");
        assertThat(fencer.round()).as("fenced once").isEmpty();
    }

    @Test
    void aNotReadyNodeWhoseKubeletStillRenewsItsLeaseIsNotFenced() {
        String server = "lfs-oss1";
        String node = nodeOf(server);
        status(node, "False", now.minus(Duration.ofMinutes(10))); // e.g. its container runtime is down
        lease(node, now);

        assertThat(fencer.round()).isEmpty();
        h.run("lfs", 10);
        assertThat(nodeOf(server)).isEqualTo(node);
        assertThat(NodeFencer.isFenced(h.client().nodes().withName(node).get())).isFalse();
    }

    @Test
    void aNodeDownForLessThanTheGraceIsNotFenced() {
        String node = nodeOf("lfs-oss1");
        dies(node, now.minus(Duration.ofSeconds(60)));

        assertThat(fencer.round()).isEmpty();
    }

    @Test
    void whenHalfTheNodesGoSilentAtOnceNothingIsFencedOrMoved() {
        String server = "lfs-oss1";
        String node = nodeOf(server);
        dies(node, now.minus(Duration.ofMinutes(10)));
        dies(NODES.stream().filter(n -> !n.equals(node)).findFirst().orElseThrow(), now.minus(Duration.ofMinutes(10)));

        assertThat(fencer.round()).isEmpty();
        h.run("lfs", 10);
        assertThat(nodeOf(server)).isEqualTo(node);
        assertThat(h.client().nodes().list().getItems()).noneMatch(NodeFencer::isFenced);
    }

    // ------------------------------------------------------------------ the cluster's nodes

    private void dies(String node, Instant since) {
        status(node, "Unknown", since);
        lease(node, since.minus(Duration.ofSeconds(40))); // the node lifecycle controller's grace before Unknown
    }

    private void status(String node, String ready, Instant since) {
        h.client()
                .nodes()
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
        assertThat(h.client()
                        .nodes()
                        .withName(node)
                        .get()
                        .getStatus()
                        .getConditions()
                        .get(0)
                        .getStatus())
                .isEqualTo(ready);
    }

    private void lease(String node, Instant renewed) {
        h.client()
                .leases()
                .inNamespace(NodeFencer.NODE_LEASE_NAMESPACE)
                .resource(new LeaseBuilder()
                        .withNewMetadata()
                        .withName(node)
                        .withNamespace(NodeFencer.NODE_LEASE_NAMESPACE)
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity(node)
                        .withLeaseDurationSeconds(40)
                        .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC))
                        .endSpec()
                        .build())
                .createOr(op -> op.update());
    }

    private String nodeOf(String vm) {
        VirtualMachineInstance vmi = h.vmi(vm);
        return vmi == null || vmi.getStatus() == null ? null : vmi.getStatus().getNodeName();
    }

    private List<String> claimNames(String vm) {
        return h
                .client()
                .resources(io.kubevirt.v1.VirtualMachine.class)
                .inNamespace(h.namespace())
                .withName(vm)
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes()
                .stream()
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .map(v -> v.getPersistentVolumeClaim().getClaimName())
                .sorted()
                .toList();
    }

    private Map<String, String> pvcUids() {
        return h.client().persistentVolumeClaims().inNamespace(h.namespace()).list().getItems().stream()
                .collect(Collectors.toMap(
                        p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }
}
