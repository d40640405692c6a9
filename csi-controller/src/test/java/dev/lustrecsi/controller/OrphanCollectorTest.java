package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Unfinished volumes whose claim is gone are removed; anything handed over or still claimed is kept. */
@ControllerOnMockApi(readyWaitMillis = 50, mounts = false)
class OrphanCollectorTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    private OrphanCollector collector() {
        return new OrphanCollector(client, f.kinds, Duration.ZERO);
    }

    private static Map<String, String> forClaim(Map<String, String> params, String claim) {
        Map<String, String> p = new HashMap<>(params);
        p.put("csi.storage.k8s.io/pvc/namespace", "team");
        p.put("csi.storage.k8s.io/pvc/name", claim);
        return p;
    }

    private void claim(String name) {
        client.persistentVolumeClaims()
                .inNamespace("team")
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace("team")
                        .endMetadata()
                        .build())
                .create();
    }

    private void unavailable(CreateVolumeRequest req) {
        assertThatThrownBy(() -> f.stub.createVolume(req)).has(status(Status.Code.UNAVAILABLE));
    }

    @Test
    void aReservationOnAPoolThatNeverRanIsUndoneWhenItsClaimIsGone() {
        unavailable(create("pvc-gone", 50 * GI, forClaim(pool("orph"), "gone")).build());
        claim("kept");
        unavailable(create("pvc-kept", 50 * GI, forClaim(pool("orph"), "kept")).build());
        // Made without the claim's name: never collected, whatever happens.
        unavailable(create("pvc-anon", 50 * GI, pool("orph")).build());

        assertThat(collector().collect()).containsExactly("v1:" + NAMESPACE + ":orph:orph:pvc-gone");

        assertThat(f.records("orph")).containsOnlyKeys("pvc-kept", "pvc-anon");
        assertThat(f.fileSystem("orph").orElseThrow().getMetadata().getAnnotations())
                .containsEntry(LustreFileSystems.ANNOTATION_CAPACITY, Long.toString(100 * GI));
        assertThat(collector().collect()).isEmpty();
    }

    @Test
    void aDedicatedFilesystemNeverHandedOverIsDeletedWhenItsClaimIsGone() {
        unavailable(create("pvc-d-gone", GI, forClaim(dedicated(), "d-gone")).build());
        claim("d-kept");
        unavailable(create("pvc-d-kept", GI, forClaim(dedicated(), "d-kept")).build());
        // Handed over (CreateVolume answered), claim since deleted, PV kept by a Retain policy: never touched.
        f.markReadyAfterCreate(
                "pvc-d-done",
                "10.5.0.1@tcp",
                create("pvc-d-done", GI, forClaim(dedicated(), "d-done")).build());
        // Not yet handed over, claim gone, but a PV already names it: kept.
        unavailable(create("pvc-d-pv", GI, forClaim(dedicated(), "d-pv")).build());
        String pvHandle = "v1:" + NAMESPACE + ":pvc-d-pv:"
                + f.fileSystem("pvc-d-pv").orElseThrow().getSpec().getFsName() + ":";
        client.persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName("pvc-d-pv")
                        .endMetadata()
                        .withNewSpec()
                        .withNewCsi()
                        .withDriver(DriverNames.DRIVER_NAME)
                        .withVolumeHandle(pvHandle)
                        .endCsi()
                        .endSpec()
                        .build())
                .create();

        assertThat(collector().collect()).hasSize(1).first().asString().contains(":pvc-d-gone:");

        assertThat(f.fileSystem("pvc-d-gone")).isEmpty();
        assertThat(f.fileSystem("pvc-d-kept")).isPresent();
        assertThat(f.fileSystem("pvc-d-done")).isPresent();
        assertThat(f.fileSystem("pvc-d-pv")).isPresent();
    }

    @Test
    void nothingYoungerThanTheGracePeriodIsTouched() {
        unavailable(create("pvc-young", GI, forClaim(dedicated(), "young")).build());
        OrphanCollector patient = new OrphanCollector(client, f.kinds, Duration.ofHours(1));
        assertThat(patient.collect()).isEmpty();
        assertThat(f.fileSystem("pvc-young")).isPresent();
    }
}
