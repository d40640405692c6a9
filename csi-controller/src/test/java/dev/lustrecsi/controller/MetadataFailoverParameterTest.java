package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** {@code metadataFailover}: a dedicated filesystem whose MGS and MDS run as failover pairs. */
@ControllerOnMockApi(readyWaitMillis = 50, mounts = false)
class MetadataFailoverParameterTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private static final String[] STATIC = {
        "networkAttachment",
        "lnet",
        "networkAddresses",
        "10.1.0.1/24,10.1.0.2/24,10.1.0.3/24,10.1.0.4/24,10.1.0.5/24,"
                + "10.1.0.6/24,10.1.0.7/24,10.1.0.8/24,10.1.0.9/24,10.1.0.10/24,10.1.0.11/24,10.1.0.12/24,"
                + "10.1.0.13/24,10.1.0.14/24,10.1.0.15/24,10.1.0.16/24,10.1.0.17/24,10.1.0.18/24,10.1.0.19/24"
    };

    private static String[] with(String... more) {
        String[] all = java.util.Arrays.copyOf(STATIC, STATIC.length + more.length);
        System.arraycopy(more, 0, all, STATIC.length, more.length);
        return all;
    }

    @Test
    void aDedicatedFilesystemIsCreatedWithMetadataFailoverPairs() {
        assertThatThrownBy(() ->
                        f.stub.createVolume(create("pvc-ha", 50 * GI, dedicated(with("metadataFailover", "true")))
                                .build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(f.fileSystem("pvc-ha").orElseThrow().getSpec().getMetadataFailover())
                .isTrue();

        assertThatThrownBy(() -> f.stub.createVolume(
                        create("pvc-plain", 50 * GI, dedicated(STATIC)).build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(f.fileSystem("pvc-plain").orElseThrow().getSpec().getMetadataFailover())
                .isNull();
    }

    @Test
    void withoutStaticAddressesOnAPoolOrWithABadValueItIsRefusedAndNothingIsCreated() {
        for (var params : java.util.List.of(
                dedicated("metadataFailover", "true"),
                pool("ha", with("metadataFailover", "true")),
                dedicated(with("metadataFailover", "yes")))) {
            assertThatThrownBy(() -> f.stub.createVolume(
                            create("pvc-bad", 50 * GI, params).build()))
                    .satisfies(e -> {
                        assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(Status.fromThrowable(e).getDescription()).contains("metadataFailover");
                    });
        }
        assertThat(f.fileSystems()).isEmpty();
    }
}
