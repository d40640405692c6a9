package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Static addresses (stable NIDs on a Multus attachment) come from the range in spec.network.addresses, are
 * recorded in the status and never handed to two filesystems: dedicated filesystems made from one StorageClass
 * all carry the same range.
 */
class StaticAddressTest {
    private final OperatorHarness h = new OperatorHarness("scratch");

    @AfterEach
    void close() {
        h.close();
    }

    private List<String> addresses(String name) {
        return h.get(name).getStatus().getServers().stream()
                .map(ServerStatus::getAddress)
                .toList();
    }

    @Test
    void twoFilesystemsFromTheSameAddressRangeNeverShareAnAddress() {
        h.create(Fixtures.o2ib("pvc-a", 2));
        h.runUntilReady("pvc-a", 80);
        h.create(Fixtures.o2ib("pvc-b", 2));
        h.runUntilReady("pvc-b", 80);

        assertThat(addresses("pvc-a"))
                .containsExactlyInAnyOrder("192.168.50.10/24", "192.168.50.11/24", "192.168.50.12/24");
        assertThat(addresses("pvc-b"))
                .doesNotContainAnyElementsOf(addresses("pvc-a"))
                .hasSize(3);
        List<String> all = new ArrayList<>(addresses("pvc-a"));
        all.addAll(addresses("pvc-b"));
        assertThat(all).doesNotHaveDuplicates();
        // The guests configured exactly those addresses: the NIDs the MGS NIDs name are distinct too.
        assertThat(h.get("pvc-b").getStatus().getMgsNids())
                .doesNotContainAnyElementsOf(h.get("pvc-a").getStatus().getMgsNids());
    }

    @Test
    void addressesSurviveAnOperatorRestartAndAServerRecreation() {
        h.create(Fixtures.o2ib("pvc-a", 2));
        h.runUntilReady("pvc-a", 80);
        List<String> before = addresses("pvc-a");
        h.restartOperator();
        h.client()
                .resources(io.kubevirt.v1.VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("pvc-a-oss0")
                .delete();
        h.run("pvc-a", 3);
        h.runUntilReady("pvc-a", 80);
        assertThat(addresses("pvc-a")).isEqualTo(before);
    }
}
