package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.GrpcStatus.status;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.ListVolumesResponse;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Volume records are LustreVolumes only the driver writes; anyone else's object is never read as one. */
@ControllerOnMockApi(readyWaitMillis = 50, mounts = false)
class VolumeRecordsTest {
    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    /** A create on a pool that is not running yet: UNAVAILABLE, with the volume reserved. */
    private void reserve(String pool, String name) {
        assertThatThrownBy(() ->
                        f.stub.createVolume(create(name, 5 * GI, pool(pool)).build()))
                .has(status(Status.Code.UNAVAILABLE));
    }

    private List<String> listedIds() {
        ListVolumesResponse all = f.stub.listVolumes(ListVolumesRequest.getDefaultInstance());
        return all.getEntriesList().stream()
                .map(e -> e.getVolume().getVolumeId())
                .toList();
    }

    @Test
    void aReservationIsOneLustreVolumeInThePoolsNamespaceOwnedByThePool() {
        reserve("rho", "pvc-1");
        LustreFileSystem pool = f.fileSystem("rho").orElseThrow();
        LustreVolume v = client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .withName("rho.pvc-1")
                .get();
        assertThat(v.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("LustreFileSystem");
            assertThat(o.getName()).isEqualTo("rho");
            assertThat(o.getUid()).isEqualTo(pool.getMetadata().getUid());
        });
        assertThat(v.getMetadata().getLabels()).containsEntry(VolumeRecords.LABEL_POOL, "rho");
        assertThat(v.getSpec().getVolumeName()).isEqualTo("pvc-1");
        assertThat(v.getSpec().getState()).isEqualTo(VolumeState.Creating);
        assertThat(v.getSpec().getCapacityBytes()).isEqualTo(5 * GI);
        assertThat(v.getSpec().getOnDelete()).isEqualTo(VolumeReclaim.Delete);
        assertThat(f.records("rho")).containsOnlyKeys("pvc-1");
    }

    @Test
    void objectsTheDriverDidNotWriteAreNeverReadAsRecords() {
        reserve("sigma", "pvc-real");
        LustreFileSystem pool = f.fileSystem("sigma").orElseThrow();
        VolumeRecord shape = f.records("sigma").get("pvc-real");
        // A tenant's ConfigMap with the old ledger label (it broke ListVolumes before).
        client.namespaces()
                .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata()
                        .withName("tenant")
                        .endMetadata()
                        .build())
                .create();
        client.configMaps()
                .inNamespace("tenant")
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("sigma-csi-volumes")
                        .addToLabels(VolumeRecords.LABEL_POOL, "sigma")
                        .endMetadata()
                        .addToData("x", "not json")
                        .build())
                .create();
        // LustreVolumes shaped like records but not the driver's: no owner; a name that is not the derived one.
        LustreVolume unowned = VolumeRecords.toResource(pool, "pvc-unowned", shape);
        unowned.getMetadata().setOwnerReferences(List.of());
        client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .resource(unowned)
                .create();
        LustreVolume renamed = VolumeRecords.toResource(pool, "pvc-renamed", shape);
        renamed.getMetadata().setName("something-else");
        client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .resource(renamed)
                .create();
        LustreVolume incomplete = VolumeRecords.toResource(pool, "pvc-incomplete", shape);
        incomplete.getSpec().setState(null);
        client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .resource(incomplete)
                .create();
        // Then one the driver writes: once the watch delivered it, it delivered the others too (watch order).
        reserve("sigma", "pvc-later");
        await().atMost(Duration.ofSeconds(10)).until(() -> listedIds().size() == 2);

        assertThat(listedIds())
                .containsExactly(
                        "v1:" + NAMESPACE + ":sigma:sigma:pvc-later", "v1:" + NAMESPACE + ":sigma:sigma:pvc-real");
        assertThat(f.records.requestedBytes(NAMESPACE, "sigma")).isEqualTo(10 * GI);
        // A restarted controller, rebuilding its view from the API server, reads them the same way.
        f.restart();
        assertThat(listedIds()).hasSize(2);
        assertThat(f.records.requestedBytes(NAMESPACE, "sigma")).isEqualTo(10 * GI);
    }

    @Test
    void volumeNamesThatAreNotObjectNamesGetDistinctValidObjectNames() {
        String plain = VolumeRecords.objectName("pool", "pvc-0a1b");
        String upper = VolumeRecords.objectName("pool", "Data_Set");
        String lower = VolumeRecords.objectName("pool", "data-set");
        assertThat(plain).isEqualTo("pool.pvc-0a1b");
        assertThat(upper).matches("pool\\.data-set-[0-9a-f]{10}").isNotEqualTo(lower);
        assertThat(VolumeRecords.objectName("pool", "data_set")).isNotEqualTo(upper);

        reserve("tau", "Data_Set");
        assertThat(f.records("tau")).containsOnlyKeys("Data_Set");
        assertThat(client.resources(LustreVolume.class)
                        .inNamespace(NAMESPACE)
                        .withName(upper.replace("pool.", "tau."))
                        .get())
                .isNotNull();
    }

    @Test
    void listVolumesPagesInIdOrderFromTheTokenWithoutRepeatsOrGaps() {
        for (int i = 0; i < 7; i++) {
            reserve(i % 2 == 0 ? "upsilon" : "upsilon-b", "pvc-" + i);
        }
        List<String> all = listedIds();
        assertThat(all).hasSize(7).isSorted();
        List<String> paged = new java.util.ArrayList<>();
        String token = "";
        do {
            ListVolumesResponse page = f.stub.listVolumes(ListVolumesRequest.newBuilder()
                    .setMaxEntries(3)
                    .setStartingToken(token)
                    .build());
            page.getEntriesList().forEach(e -> paged.add(e.getVolume().getVolumeId()));
            token = page.getNextToken();
        } while (!token.isEmpty());
        assertThat(paged).isEqualTo(all);
    }

    /** Every page of a listing from {@code token} on, {@code size} entries a page. */
    private List<String> pagesFrom(String token, int size) {
        List<String> out = new java.util.ArrayList<>();
        do {
            ListVolumesResponse page = f.stub.listVolumes(ListVolumesRequest.newBuilder()
                    .setMaxEntries(size)
                    .setStartingToken(token)
                    .build());
            page.getEntriesList().forEach(e -> out.add(e.getVolume().getVolumeId()));
            token = page.getNextToken();
        } while (!token.isEmpty());
        return out;
    }

    @Test
    void aListingContinuesAcrossAControllerRestartWithTheTokenItWasGiven() {
        for (int i = 0; i < 6; i++) {
            reserve("phi", "pvc-" + i);
        }
        List<String> all = listedIds();
        ListVolumesResponse first = f.stub.listVolumes(
                ListVolumesRequest.newBuilder().setMaxEntries(4).build());
        f.restart();

        List<String> listed = new java.util.ArrayList<>();
        first.getEntriesList().forEach(e -> listed.add(e.getVolume().getVolumeId()));
        listed.addAll(pagesFrom(first.getNextToken(), 4));
        assertThat(listed).hasSize(6).isEqualTo(all);
    }

    @Test
    void tokensStayValidWhileVolumesAreCreatedAndDeletedBetweenPages() {
        for (int i = 0; i < 6; i++) {
            reserve("chi", "pvc-" + (2 * i + 1));
        }
        ListVolumesResponse first = f.stub.listVolumes(
                ListVolumesRequest.newBuilder().setMaxEntries(2).build());
        List<String> listed = new java.util.ArrayList<>();
        first.getEntriesList().forEach(e -> listed.add(e.getVolume().getVolumeId()));
        assertThat(listed)
                .extracting(id -> id.substring(id.lastIndexOf(':') + 1))
                .containsExactly("pvc-1", "pvc-11");
        // Between pages: a volume before the token and one after it are created, one after it (pvc-3, the token's
        // own volume) is deleted (by
        // another replica: its record goes).
        reserve("chi", "pvc-0");
        reserve("chi", "pvc-8");
        assertThat(first.getNextToken()).endsWith(":pvc-3");
        client.resources(LustreVolume.class)
                .inNamespace(NAMESPACE)
                .withName("chi.pvc-3")
                .delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> listedIds().stream().noneMatch(id -> id.endsWith(":pvc-3")));
        listed.addAll(pagesFrom(first.getNextToken(), 2));

        // No volume is repeated or skipped: the ones that existed throughout once each, in id order; the new one
        // after the token is listed, the one before it is not (it sorts before the pages already served).
        assertThat(listed).doesNotHaveDuplicates().isSorted();
        assertThat(listed)
                .extracting(id -> id.substring(id.lastIndexOf(':') + 1))
                .containsExactly("pvc-1", "pvc-11", "pvc-5", "pvc-7", "pvc-8", "pvc-9");
    }
}
