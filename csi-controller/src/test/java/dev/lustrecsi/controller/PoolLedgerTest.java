package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class PoolLedgerTest {
    KubernetesClient client;

    @Test
    void manyConcurrentCallersOfOneControllerAllGetTheirChangeIn() throws Exception {
        LustreFileSystem pool = new LustreFileSystem();
        pool.setMetadata(new ObjectMetaBuilder().withNamespace("hpc").withName("busy").withUid("uid-1").build());
        PoolLedger ledger = new PoolLedger(client);
        // As many callers as the external-provisioner's default worker threads, each reserving volumes.
        ExecutorService callers = Executors.newFixedThreadPool(100);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String name = "pvc-" + i;
                long projectId = 10_000 + i;
                calls.add(callers.submit(() -> ledger.update(pool, volumes -> volumes.put(name,
                        new VolumeRecord(projectId, 1L << 30, "p", VolumeRecord.CREATING, "delete", 0, 0, 0750, "", null,
                                "2026-01-01T00:00:00Z")))));
            }
            for (Future<?> call : calls) {
                call.get();
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(ledger.read("hpc", "busy").volumes()).hasSize(300);
    }
}
