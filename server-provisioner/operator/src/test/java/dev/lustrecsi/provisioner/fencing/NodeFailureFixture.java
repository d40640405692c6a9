package dev.lustrecsi.provisioner.fencing;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.sim.HarnessExtension;
import dev.lustrecsi.provisioner.sim.KubeletNodes;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the node-failure tests start from: four nodes whose kubelets are alive, filesystem "lfs" Ready on them
 * with a node-failure grace of 120 s, and a {@link NodeFencer} whose clock stands at the kubelets' last renewal.
 * On fabric8's mock API server; a subclass annotated {@code @RealControlPlane} runs on a real one.
 */
@ExtendWith(HarnessExtension.class)
abstract class NodeFailureFixture {
    static final List<String> NODES = List.of("node-a", "node-b", "node-c", "node-d");
    final Instant now = Instant.now();
    OperatorHarness h;
    KubeletNodes nodes;
    NodeFencer fencer;

    /**
     * The filesystem under test; this one on a Multus network with static addresses, so that a server keeps its
     * NID wherever it runs.
     */
    LustreFileSystem fileSystem() {
        LustreFileSystem fs = Fixtures.o2ib("lfs", 4);
        fs.getSpec().setNodeFailureGraceSeconds(120);
        return fs;
    }

    @BeforeEach
    void bootstrap(HarnessExtension.Factory harnesses) {
        h = harnesses.open("scratch");
        nodes = KubeletNodes.register(h.client(), NODES, now);
        h.create(fileSystem());
        h.runUntilReady("lfs", 120);
        fencer = new NodeFencer(
                h.client(), h.namespace(), Clock.fixed(now, ZoneOffset.UTC), new EventRecorder(h.client()));
    }

    @AfterEach
    void close() {
        nodes.close();
        h.close();
    }
}
