package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Upgrade: the ConfigMap ledgers of earlier releases become LustreVolume records, records first, safely repeated. */
@MockKubernetes
class LedgerMigrationTest {
    static final String NS = "lustre-csi";
    KubernetesClient client;
    LustreFileSystem pool;
    LedgerMigration migration;

    // Entries exactly as the ConfigMap ledger (PoolLedger, up to this release) wrote them.
    static final String READY =
            "{\"projectId\":10000,\"capacityBytes\":1073741824,\"parameters\":\"abc\",\"state\":\"Ready\","
                    + "\"onDelete\":\"delete\",\"stripeCount\":0,\"stripeSize\":0,\"directoryMode\":1528,"
                    + "\"mountOptions\":\"\","
                    + "\"pvc\":\"team/data\",\"createdAt\":\"2026-01-01T00:00:00Z\"}";
    static final String CREATING = "{\"projectId\":10001,\"capacityBytes\":2147483648,\"parameters\":\"abc\","
            + "\"state\":\"Creating\",\"onDelete\":\"archive\",\"stripeCount\":4,\"stripeSize\":1048576,"
            + "\"directoryMode\":488,"
            + "\"mountOptions\":\"flock\",\"createdAt\":\"2026-01-01T00:00:01Z\"}";

    @BeforeEach
    void setUp() {
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder()
                .withName("alpha")
                .withNamespace(NS)
                .addToLabels(LustreFileSystems.LABEL_ROLE, LustreFileSystems.ROLE_POOL)
                .build());
        fs.setSpec(new LustreFileSystemSpec());
        fs.getSpec().setFsName("alpha");
        pool = client.resources(LustreFileSystem.class)
                .inNamespace(NS)
                .resource(fs)
                .create();
        migration = new LedgerMigration(client, new LustreFileSystems(client));
    }

    private ConfigMap ledger(String name, Map<String, String> data, boolean owned) {
        ConfigMapBuilder b = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .addToLabels(VolumeRecords.LABEL_POOL, "alpha")
                .endMetadata()
                .withData(data);
        if (owned) {
            b.editMetadata()
                    .withOwnerReferences(new OwnerReferenceBuilder()
                            .withApiVersion(LustreFileSystem.API_VERSION)
                            .withKind("LustreFileSystem")
                            .withName("alpha")
                            .withUid(pool.getMetadata().getUid())
                            .build())
                    .endMetadata();
        }
        return client.configMaps().inNamespace(NS).resource(b.build()).create();
    }

    private Map<String, VolumeRecord> records() {
        Map<String, VolumeRecord> out = new java.util.TreeMap<>();
        client.resources(LustreVolume.class)
                .inNamespace(NS)
                .list()
                .getItems()
                .forEach(v -> VolumeRecords.parse(v).ifPresent(p -> out.put(p.name(), p.record())));
        return out;
    }

    @Test
    void eachEntryBecomesARecordWithTheSameContentAndTheLedgerGoesLast() {
        ledger("alpha-csi-volumes", Map.of("pvc-a", READY, "pvc-b", CREATING), true);

        LedgerMigration.Result result = migration.migrate(NS);

        assertThat(result.ledgersMigrated()).isEqualTo(1);
        assertThat(result.recordsCreated()).isEqualTo(2);
        Map<String, VolumeRecord> records = records();
        assertThat(records.get("pvc-a"))
                .isEqualTo(new VolumeRecord(
                        10000,
                        1L << 30,
                        "abc",
                        VolumeState.Ready,
                        VolumeReclaim.Delete,
                        0,
                        0,
                        02770,
                        "",
                        "team/data",
                        "2026-01-01T00:00:00Z",
                        null));
        assertThat(records.get("pvc-b"))
                .isEqualTo(new VolumeRecord(
                        10001,
                        2L << 30,
                        "abc",
                        VolumeState.Creating,
                        VolumeReclaim.Archive,
                        4,
                        1 << 20,
                        0750,
                        "flock",
                        null,
                        "2026-01-01T00:00:01Z",
                        null));
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName("alpha-csi-volumes")
                        .get())
                .isNull();
        // The controller started after it reads them as its own.
        try (VolumeRecords view = VolumeRecords.start(client, Duration.ofSeconds(30))) {
            assertThat(view.requestedBytes(NS, "alpha")).isEqualTo(3L << 30);
            assertThat(view.get(NS, "alpha", "pvc-b")).map(VolumeRecord::state).contains(VolumeState.Creating);
        }
    }

    @Test
    void aMigrationInterruptedAfterSomeRecordsFinishesAtTheNextStartAndChangesNothingTwice() {
        ledger("alpha-csi-volumes", Map.of("pvc-a", READY, "pvc-b", CREATING), true);
        // The first run wrote pvc-a's record and stopped (crash) before the rest.
        client.resources(LustreVolume.class)
                .inNamespace(NS)
                .resource(VolumeRecords.toResource(pool, "pvc-a", LedgerMigration.decode("pvc-a", READY)))
                .create();

        LedgerMigration.Result result = migration.migrate(NS);

        assertThat(result.recordsCreated()).isEqualTo(1);
        assertThat(records()).containsOnlyKeys("pvc-a", "pvc-b");
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName("alpha-csi-volumes")
                        .get())
                .isNull();
        assertThat(migration.migrate(NS)).isEqualTo(new LedgerMigration.Result(0, 0, java.util.List.of()));
    }

    @Test
    void aLedgerWithAnEntryItCannotReadIsKeptWholeAndReported() {
        ledger("alpha-csi-volumes", Map.of("pvc-a", READY, "pvc-bad", READY.replace("\"Ready\"", "\"Done\"")), true);

        LedgerMigration.Result result = migration.migrate(NS);

        assertThat(result.ledgersMigrated()).isZero();
        assertThat(result.problems())
                .singleElement()
                .asString()
                .contains("pvc-bad")
                .contains("unknown state 'Done'");
        assertThat(client.configMaps()
                        .inNamespace(NS)
                        .withName("alpha-csi-volumes")
                        .get())
                .isNotNull();
        assertThat(records()).isEmpty();
    }

    @Test
    void aConfigMapTheOldControllerDidNotWriteIsLeftAlone() {
        ledger("alpha-csi-volumes", Map.of("pvc-x", READY), false);
        ledger("other-name", Map.of("pvc-y", READY), true);

        assertThat(migration.migrate(NS).ledgersMigrated()).isZero();

        assertThat(records()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).hasSize(2);
    }

    @Test
    void entriesMissingAFieldAreRefusedNotDefaulted() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                        () -> LedgerMigration.decode("v", "{\"projectId\":1}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacityBytes");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                        () -> LedgerMigration.decode("v", READY.replace("10000", "\"10000\""))))
                .hasMessageContaining("projectId");
    }
}
