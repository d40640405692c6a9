package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How the view of the records is read at start, when the API server cannot answer the first LIST. */
@MockKubernetes
class VolumeRecordsListingTest {
    private static final String NAMESPACE = "lustre";
    private static final String LIST_PATH = "/apis/" + LustreFileSystem.GROUP + "/v1alpha1/lustrevolumes";

    /** Set by @MockKubernetes: the mock API server (CRUD mode, expectations first) and a client of it. */
    KubernetesClient client;

    KubernetesMockServer server;

    /**
     * What kube-apiserver 1.36 answers a LIST whose resourceVersion its watch cache has not reached within 3 s
     * (storage.NewTooLargeResourceVersionError: 504, reason Timeout, cause ResourceVersionTooLarge), as the bench saw
     * it at 100,000 records while the cache trailed etcd by 10,000 events.
     */
    private static Status tooLargeResourceVersion() {
        return new StatusBuilder()
                .withStatus("Failure")
                .withCode(504)
                .withReason("Timeout")
                .withMessage("Timeout: Too large resource version: 100446, current: 90353")
                .withNewDetails()
                .addNewCause()
                .withReason("ResourceVersionTooLarge")
                .withMessage("Too large resource version")
                .endCause()
                .withRetryAfterSeconds(1)
                .endDetails()
                .build();
    }

    private void writeRecords(int count) {
        LustreFileSystem pool = new LustreFileSystem();
        pool.setMetadata(new ObjectMetaBuilder()
                .withName("tau")
                .withNamespace(NAMESPACE)
                .withUid("pool-uid")
                .build());
        for (int i = 0; i < count; i++) {
            VolumeRecord r = new VolumeRecord(
                    1000 + i,
                    1L << 30,
                    "fingerprint",
                    VolumeState.Ready,
                    VolumeReclaim.Delete,
                    1,
                    1 << 20,
                    0750,
                    "",
                    "default/claim-" + i,
                    "2026-12-06T00:00:00Z",
                    null);
            client.resources(LustreVolume.class)
                    .inNamespace(NAMESPACE)
                    .resource(VolumeRecords.toResource(pool, "pvc-" + i, r))
                    .create();
        }
    }

    @Test
    void aControllerStartingWhileTheApiServersCacheTrailsEtcdListsAgainUntilItsViewHoldsEveryRecord() {
        writeRecords(3);
        server.expect()
                .get()
                .withPath(LIST_PATH + "?limit=500")
                .andReturn(504, tooLargeResourceVersion())
                .times(2);

        // fabric8's HTTP layer itself retries a 5xx answer 10 times (about 19 s, requestRetryBackoffLimit); without
        // those retries each refusal reaches the informer, as the 11th refusal of a long cache lag does.
        Config config = new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0)
                .build();
        try (KubernetesClient once =
                        new KubernetesClientBuilder().withConfig(config).build();
                VolumeRecords view = VolumeRecords.start(once, Duration.ofSeconds(30))) {
            assertThat(view.volumes(NAMESPACE, "tau")).containsOnlyKeys("pvc-0", "pvc-1", "pvc-2");
            assertThat(view.requestedBytes(NAMESPACE, "tau")).isEqualTo(3L << 30);
        }
        // Both refusals were served (so the view above comes from the LIST after them).
        assertThat(server.getRequestCount()).isGreaterThanOrEqualTo(3 + 2 + 1);
    }
}
