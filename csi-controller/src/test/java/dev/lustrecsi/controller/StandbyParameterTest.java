package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** {@code standbyOssServers}: filesystems the driver creates keep that many warm standby OSS servers. */
@ControllerOnMockApi(readyWaitMillis = 50, mounts = false)
class StandbyParameterTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private void unavailable(dev.lustrecsi.csi.v1.CreateVolumeRequest req) {
        assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
    }

    @Test
    void aDedicatedFilesystemAndAPoolAreCreatedWithTheirStandbyServers() {
        unavailable(
                create("pvc-ded", 50 * GI, dedicated("standbyOssServers", "1")).build());
        unavailable(create("pvc-pool", 50 * GI, pool("warm", "standbyOssServers", "2"))
                .build());
        assertThat(f.fileSystems())
                .extracting(fs -> fs.getMetadata().getName() + "="
                        + fs.getSpec().getStandby().getOssServers())
                .containsExactlyInAnyOrder("pvc-ded=1", "warm=2");
    }

    @Test
    void withoutTheParameterThereIsNoStandbyAndABadValueTouchesNothing() {
        unavailable(create("pvc-plain", 50 * GI, dedicated()).build());
        LustreFileSystem plain = f.fileSystem("pvc-plain").orElseThrow();
        assertThat(plain.getSpec().getStandby()).isNull();

        assertThatThrownBy(() -> f.stub.createVolume(create("pvc-bad", 50 * GI, dedicated("standbyOssServers", "17"))
                        .build()))
                .has(status(Status.Code.INVALID_ARGUMENT))
                .satisfies(e ->
                        assertThat(Status.fromThrowable(e).getDescription()).contains("standbyOssServers"));
        assertThat(f.fileSystem("pvc-bad")).isEmpty();
    }
}
