package dev.lustrecsi.e2e;

import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.controller.VolumeRecord;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.GetCapacityRequest;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.grpc.Status;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server misbehaves for a while in front of the controller (conflicts, server errors, lost answers, slow
 * answers, no answers): calls retry and succeed, or fail with the code that makes the external-provisioner retry
 * (UNAVAILABLE) - and nothing is done twice.
 */
class ApiFaultsTest extends ClusterTest {
    /** Where new records are created. */
    private static final String RECORDS = "/lustrevolumes$";

    private static final String POOL = "/lustrefilesystems/" + LocalCluster.POOL + "$";
    private Story s;

    @BeforeAll
    void poolReady() {
        s = new Story(cluster, "api");
        s.claimAndBind("100Gi", "warm-up");
        s.awaitPoolSettled();
    }

    @AfterEach
    void healthyAgain() {
        cluster.apiFaults().clear();
    }

    /** {@code claim} is bound through the injected faults: each one was met ({@code why}), one Ready volume. */
    private void assertBoundThroughTheFaults(String claim, String why) {
        PersistentVolume pv = s.claimAndBind("100Gi", claim);
        assertThat(cluster.apiFaults().pending()).as(why).isZero();
        assertOneReadyVolumeFor(claim, pv);
    }

    private void assertOneReadyVolumeFor(String claim, PersistentVolume pv) {
        Map<String, VolumeRecord> ledger = s.ledger();
        assertThat(ledger).containsKey(pv.getMetadata().getName());
        assertThat(ledger.get(pv.getMetadata().getName()).state()).isEqualTo(dev.lustrecsi.model.VolumeState.Ready);
        assertThat(ledger.values()).extracting(VolumeRecord::projectId).doesNotHaveDuplicates();
        assertThat(s.volumeDirsOnServer()).containsExactlyInAnyOrderElementsOf(ledger.keySet());
        assertThat(cluster.client().persistentVolumes().list().getItems())
                .filteredOn(p -> claim.equals(p.getSpec().getClaimRef().getName()))
                .hasSize(1);
    }

    @Test
    void conflictsOnTheRecordsAndThePoolAreRetriedOnFreshData() {
        cluster.apiFaults().reject(3, "POST", RECORDS, 409);
        cluster.apiFaults().reject(2, "PUT", POOL, 409);
        assertBoundThroughTheFaults("conflicted", "every injected conflict was met and retried");
    }

    @Test
    void serverErrorsForAWhileAreRetried() {
        cluster.apiFaults().reject(2, "POST", RECORDS, 500);
        cluster.apiFaults().reject(2, "POST", RECORDS, 503);
        cluster.apiFaults().reject(2, "GET", POOL, 500);
        assertBoundThroughTheFaults("errors", "every injected error was met and retried");
    }

    @Test
    void aWriteWhoseAnswerIsLostIsNotDoneTwice() {
        // The API server stores the write and the answer is lost: the client's retry meets its own write.
        cluster.apiFaults().loseResponse(1, "POST", RECORDS);
        cluster.apiFaults().loseResponse(1, "PUT", POOL);
        assertBoundThroughTheFaults("lost-answer", "both writes were carried out and their answers lost");
    }

    @Test
    void answersSlowerThanTheClientTimeoutAreRetried() {
        // Longer than the controller's 4 s request timeout, once for a read and once for a write.
        cluster.apiFaults().delay(1, "GET", POOL, Duration.ofSeconds(6));
        cluster.apiFaults().delay(1, "POST", RECORDS, Duration.ofSeconds(6));
        Story fresh = new Story(cluster, "api");
        PersistentVolume pv = fresh.claimAndBind("100Gi", "slow");
        assertThat(fresh.provisioner.errorCodes())
                .allMatch(c -> c == Status.Code.UNAVAILABLE || c == Status.Code.ABORTED);
        assertOneReadyVolumeFor("slow", pv);
    }

    @Test
    void anUnreachableApiServerAnswersUnavailableAndNothingIsDoneUntilItIsBack() {
        LustreFileSystem before = cluster.pool();
        Map<String, VolumeRecord> ledgerBefore = s.ledger();
        PersistentVolume existing = s.provisioner.volumeOf("api", "warm-up").orElseThrow();
        CreateVolumeRequest create = CreateVolumeRequest.newBuilder()
                .setName("pvc-while-down")
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(10L << 30))
                .addVolumeCapabilities(ExternalProvisioner.capability("ReadWriteMany"))
                .putAllParameters(cluster.client()
                        .storage()
                        .v1()
                        .storageClasses()
                        .withName(LocalCluster.STORAGE_CLASS)
                        .get()
                        .getParameters())
                .build();

        GetCapacityRequest capacity = GetCapacityRequest.newBuilder()
                .putAllParameters(create.getParametersMap())
                .build();
        long capacityBefore = cluster.controllerStub().getCapacity(capacity).getAvailableCapacity();

        cluster.apiFaults().down();
        assertThatThrownBy(() -> cluster.controllerStub().createVolume(create)).has(status(Status.Code.UNAVAILABLE));
        assertThatThrownBy(() -> cluster.controllerStub()
                        .deleteVolume(DeleteVolumeRequest.newBuilder()
                                .setVolumeId(existing.getSpec().getCsi().getVolumeHandle())
                                .build()))
                .has(status(Status.Code.UNAVAILABLE));
        assertThatThrownBy(() -> cluster.controllerStub().listVolumes(ListVolumesRequest.getDefaultInstance()))
                .has(status(Status.Code.UNAVAILABLE));
        // GetCapacity reads the pool from the controller's watch, not the API server: the provisioner's capacity
        // tracking keeps the last figure through the outage instead of an error.
        assertThat(cluster.controllerStub().getCapacity(capacity).getAvailableCapacity())
                .isEqualTo(capacityBefore);
        assertThat(s.ledger()).isEqualTo(ledgerBefore);
        assertThat(cluster.pool().getSpec().getOstCount())
                .isEqualTo(before.getSpec().getOstCount());

        cluster.apiFaults().clear();
        String id = cluster.controllerStub().createVolume(create).getVolume().getVolumeId();
        assertThat(s.ledger()).containsKey("pvc-while-down");
        assertThat(s.volumeDirsOnServer())
                .contains("pvc-while-down", existing.getMetadata().getName());
        cluster.controllerStub()
                .deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(id).build());
        assertThat(s.ledger()).doesNotContainKey("pvc-while-down");
    }

    @Test
    void thePoolReconcilerKeepsRunningAfterTheApiAnswered503ForAWhile() throws InterruptedException {
        s.awaitPoolSettled();
        String annotation = dev.lustrecsi.controller.LustreFileSystems.ANNOTATION_CAPACITY;
        String planned = cluster.pool().getMetadata().getAnnotations().get(annotation);
        assertThat(planned).isNotNull();

        // Four seconds of 503s: several passes of the 1 s reconcile loop fail.
        cluster.apiFaults().down();
        Thread.sleep(4_000);
        cluster.apiFaults().clear();

        // A change only the reconciler undoes (it rewrites the sum it planned for): proof that it still runs.
        cluster.client()
                .resources(LustreFileSystem.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withName(LocalCluster.POOL)
                .edit(fs -> {
                    fs.getMetadata().getAnnotations().put(annotation, "1");
                    return fs;
                });
        org.awaitility.Awaitility.await()
                .atMost(Story.PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> planned.equals(
                        cluster.pool().getMetadata().getAnnotations().get(annotation)));
    }
}
