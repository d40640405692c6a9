package dev.lustrecsi.provisioner.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.api.model.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A node under a Lustre server VM dies (the KubeVirt simulator models virt-launcher pods on Nodes: nothing restarts
 * while the pod is on a NotReady node). The operator fences the node once it has been NotReady with a silent
 * kubelet for the filesystem's grace, the VM comes back on another node with the same disks, and the filesystem is
 * Ready again. What must never cause a move: a NotReady node whose kubelet still renews its Lease, a node within
 * the grace, and many nodes going silent at once (a partition, not failures).
 */
class NodeFailureTest extends NodeFailureFixture {
    @Test
    void aServerWhoseNodeDiedRestartsOnAnotherNodeWithTheSameDisks() {
        String server = "lfs-oss1";
        String dead = h.nodeOf(server);
        String nid = h.get("lfs").getStatus().server(server).orElseThrow().getNid();
        Map<String, String> disks = pvcUids();
        List<String> volumesBefore = h.claimNames(server);
        nodes.dies(dead, now.minus(Duration.ofMinutes(3)));
        h.run("lfs", 10);
        assertThat(h.nodeOf(server))
                .as("KubeVirt keeps the VMI on the NotReady node")
                .isEqualTo(dead);
        assertThat(h.get("lfs").getStatus().getPhase()).isNotEqualTo(Phase.Ready);

        assertThat(fencer.round()).containsExactly(dead);

        LustreFileSystem back =
                h.runUntil("lfs", f -> f.getStatus().getPhase() == Phase.Ready && !dead.equals(h.nodeOf(server)), 80);
        assertThat(h.nodeOf(server)).isNotEqualTo(dead).isIn(NODES);
        assertThat(h.claimNames(server)).as("the same disks").isEqualTo(volumesBefore);
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
        String node = h.nodeOf(server);
        nodes.status(node, "False", now.minus(Duration.ofMinutes(10))); // e.g. its container runtime is down
        nodes.lease(node, now);

        assertThat(fencer.round()).isEmpty();
        h.run("lfs", 10);
        assertThat(h.nodeOf(server)).isEqualTo(node);
        assertThat(NodeFencer.isFenced(h.client().nodes().withName(node).get())).isFalse();
    }

    @Test
    void aNodeDownForLessThanTheGraceIsNotFenced() {
        String node = h.nodeOf("lfs-oss1");
        nodes.dies(node, now.minus(Duration.ofSeconds(60)));

        assertThat(fencer.round()).isEmpty();
    }

    @Test
    void whenHalfTheNodesGoSilentAtOnceNothingIsFencedOrMoved() {
        String server = "lfs-oss1";
        String node = h.nodeOf(server);
        nodes.dies(node, now.minus(Duration.ofMinutes(10)));
        nodes.dies(nodes.other(node), now.minus(Duration.ofMinutes(10)));

        assertThat(fencer.round()).isEmpty();
        h.run("lfs", 10);
        assertThat(h.nodeOf(server)).isEqualTo(node);
        assertThat(h.client().nodes().list().getItems()).noneMatch(NodeFencer::isFenced);
    }

    private Map<String, String> pvcUids() {
        return h.client().persistentVolumeClaims().inNamespace(h.namespace()).list().getItems().stream()
                .collect(Collectors.toMap(
                        p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }
}
