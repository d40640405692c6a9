package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pools a create reads come from a watch (no API call per create) and follow changes; whatever the watch does
 * not hold, or holds in a form the caller cannot use, is read from the API server.
 */
@MockKubernetes
class LustreFileSystemsWatchTest {
    private static final String NS = "storage";

    KubernetesClient client;
    KubernetesMockServer server;
    private LustreFileSystems fileSystems;

    @AfterEach
    void stop() {
        if (fileSystems != null) {
            fileSystems.close();
        }
    }

    @Test
    void aWatchedPoolIsReadWithoutAnApiCallAndFollowsItsChanges() {
        create("alpha", 2);
        fileSystems = new LustreFileSystems(client).watch(Duration.ofSeconds(30));

        int before = server.getRequestCount();
        for (int i = 0; i < 5; i++) {
            assertThat(fileSystems.current(NS, "alpha", fs -> true)).isPresent();
        }
        assertThat(server.getRequestCount()).isEqualTo(before);

        LustreFileSystem changed = client.resources(LustreFileSystem.class)
                .inNamespace(NS)
                .withName("alpha")
                .get();
        changed.getSpec().setOstCount(7);
        client.resources(LustreFileSystem.class)
                .inNamespace(NS)
                .resource(changed)
                .update();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> fileSystems
                        .current(NS, "alpha", fs -> true)
                        .map(fs -> fs.getSpec().getOstCount())
                        .orElse(0)
                        .equals(7));
    }

    @Test
    void aPoolTheWatchHasNotDeliveredOrCannotBeUsedAsSeenIsReadFromTheApiServer() {
        create("alpha", 2);
        fileSystems = new LustreFileSystems(client).watch(Duration.ofSeconds(30));

        int before = server.getRequestCount();
        // Not there (as far as the watch knows): the API server answers, so "absent" is never a lagging watch's.
        assertThat(fileSystems.current(NS, "beta", fs -> true)).isEmpty();
        assertThat(server.getRequestCount()).isGreaterThan(before);

        // There, but not as the caller needs it: read again.
        int again = server.getRequestCount();
        Optional<LustreFileSystem> fresh = fileSystems.current(NS, "alpha", fs -> false);
        assertThat(fresh).isPresent();
        assertThat(server.getRequestCount()).isGreaterThan(again);
    }

    @Test
    void aPoolThisProcessChangedIsSeenAsWrittenAtOnce() {
        create("alpha", 2);
        fileSystems = new LustreFileSystems(client).watch(Duration.ofSeconds(30));

        fileSystems.update(NS, "alpha", fs -> {
            fs.getSpec().setOstCount(3);
            return fs;
        });

        // Whether or not the watch delivered it yet, the next decision sees this process's own write.
        assertThat(fileSystems
                        .current(NS, "alpha", fs -> true)
                        .orElseThrow()
                        .getSpec()
                        .getOstCount())
                .isEqualTo(3);
    }

    @Test
    void withoutAWatchEveryReadGoesToTheApiServer() {
        create("alpha", 2);
        fileSystems = new LustreFileSystems(client);

        int before = server.getRequestCount();
        assertThat(fileSystems.current(NS, "alpha", fs -> true)).isPresent();
        assertThat(server.getRequestCount()).isGreaterThan(before);
    }

    private void create(String name, int osts) {
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(NS)
                .addToLabels(LustreFileSystems.LABEL_ROLE, LustreFileSystems.ROLE_POOL)
                .build());
        fs.setSpec(new LustreFileSystemSpec());
        fs.getSpec().setFsName(name);
        fs.getSpec().setOstCount(osts);
        client.resources(LustreFileSystem.class).inNamespace(NS).resource(fs).create();
    }
}
