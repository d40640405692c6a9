package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node plugin takes its startup taint off its own Node once its Lustre client is ready, and nothing else. */
class StartupTaintTest {
    private final MockApi api = new MockApi();

    @AfterEach
    void stop() {
        api.close();
    }

    private void node(String name, Taint... taints) {
        api.client
                .nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withTaints(taints)
                        .endSpec()
                        .build())
                .create();
    }

    private static Taint taint(String key, String effect) {
        return new Taint(effect, key, null, null);
    }

    private Node get(String name) {
        return api.client.nodes().withName(name).get();
    }

    /** The keys of the node's taints, in order (one per effect). */
    private List<String> taintKeys(String node) {
        return get(node).getSpec().getTaints().stream().map(Taint::getKey).toList();
    }

    @Test
    void theTaintStaysUntilTheClientIsReadyThenOnlyItGoes() {
        node(
                "worker-1",
                taint("gpu", "NoSchedule"),
                taint(DriverNames.STARTUP_TAINT_KEY, "NoSchedule"),
                taint("maintenance", "NoExecute"));
        node("worker-2", taint(DriverNames.STARTUP_TAINT_KEY, "NoSchedule"));
        StartupTaint taint = new StartupTaint(api.client, "worker-1", DriverNames.STARTUP_TAINT_KEY);

        assertThat(taint.removeIfReady(false)).isFalse();
        assertThat(taintKeys("worker-1")).contains(DriverNames.STARTUP_TAINT_KEY);

        assertThat(taint.removeIfReady(true)).isTrue();
        assertThat(taintKeys("worker-1")).containsExactly("gpu", "maintenance");
        // Another node's taint is its own plugin's business.
        assertThat(taintKeys("worker-2")).containsExactly(DriverNames.STARTUP_TAINT_KEY);

        // Again (a retry, a restarted plugin): nothing left to do, nothing else touched.
        assertThat(taint.removeIfReady(true)).isTrue();
        assertThat(taintKeys("worker-1")).containsExactly("gpu", "maintenance");
    }

    @Test
    void everyEffectOfTheTaintGoes() {
        node(
                "worker-3",
                taint(DriverNames.STARTUP_TAINT_KEY, "NoSchedule"),
                taint("other", "NoSchedule"),
                taint(DriverNames.STARTUP_TAINT_KEY, "NoExecute"));

        assertThat(new StartupTaint(api.client, "worker-3", DriverNames.STARTUP_TAINT_KEY).removeIfReady(true))
                .isTrue();

        assertThat(taintKeys("worker-3")).containsExactly("other");
    }

    @Test
    void aNodeTheApiDoesNotKnowIsRetriedLater() {
        assertThat(new StartupTaint(api.client, "not-yet-registered", DriverNames.STARTUP_TAINT_KEY)
                        .removeIfReady(true))
                .isFalse();
    }
}
