package dev.lustrecsi.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrade from releases that kept a pool's volumes in a ConfigMap {@code <pool>-csi-volumes} (one JSON entry per
 * volume): at start, each such ledger becomes one {@link LustreVolume} per entry, and the ConfigMap is deleted only
 * after every record exists. Creating a record that exists is a no-op, so a migration interrupted anywhere simply
 * runs again at the next start. Only ConfigMaps the old controller wrote are read: the right name, the pool label
 * and an ownerReference to the pool's LustreFileSystem; an entry it cannot read stops that ledger's migration (the
 * ConfigMap stays, and the controller says why) rather than losing a volume.
 */
public final class LedgerMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerMigration.class);
    static final String SUFFIX = "-csi-volumes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final LustreFileSystems fileSystems;

    public LedgerMigration(KubernetesClient client, LustreFileSystems fileSystems) {
        this.client = client;
        this.fileSystems = fileSystems;
    }

    /** What one run did. */
    public record Result(int ledgersMigrated, int recordsCreated, List<String> problems) {}

    /** Migrates the ledgers of one namespace. A namespace the controller may not read is reported, not fatal. */
    public Result migrate(String namespace) {
        List<String> problems = new ArrayList<>();
        List<ConfigMap> ledgers;
        try {
            ledgers = client.configMaps()
                    .inNamespace(namespace)
                    .withLabel(VolumeRecords.LABEL_POOL)
                    .list()
                    .getItems();
        } catch (KubernetesClientException e) {
            problems.add("cannot list ConfigMaps in " + namespace + ": " + e.getCode());
            LOG.warn(
                    "ledger migration: cannot list ConfigMaps in namespace {} ({}); ledgers there stay unmigrated",
                    namespace,
                    e.getMessage());
            return new Result(0, 0, problems);
        }
        int migrated = 0;
        int created = 0;
        for (ConfigMap cm : ledgers) {
            String pool = cm.getMetadata().getLabels().get(VolumeRecords.LABEL_POOL);
            String where = namespace + "/" + cm.getMetadata().getName();
            if (pool == null || !cm.getMetadata().getName().equals(pool + SUFFIX) || !ownedBy(cm, pool)) {
                continue; // not a ledger the driver wrote
            }
            Optional<LustreFileSystem> fs = fileSystems.get(namespace, pool);
            if (fs.isEmpty()) {
                continue; // the pool is gone; its ledger goes with it (owner reference)
            }
            try {
                created += migrate(fs.get(), cm);
                client.configMaps()
                        .inNamespace(namespace)
                        .withName(cm.getMetadata().getName())
                        .delete();
                migrated++;
                LOG.info("ledger {} migrated to LustreVolume records and deleted", where);
            } catch (IllegalArgumentException | KubernetesClientException e) {
                problems.add(where + ": " + e.getMessage());
                LOG.error("ledger {} not migrated (it stays; the next start tries again): {}", where, e.getMessage());
            }
        }
        return new Result(migrated, created, problems);
    }

    private int migrate(LustreFileSystem pool, ConfigMap cm) {
        Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
        List<LustreVolume> resources = new ArrayList<>();
        for (Map.Entry<String, String> e : data.entrySet()) {
            resources.add(VolumeRecords.toResource(pool, e.getKey(), decode(e.getKey(), e.getValue())));
        }
        int created = 0;
        for (LustreVolume v : resources) {
            try {
                client.resources(LustreVolume.class)
                        .inNamespace(pool.getMetadata().getNamespace())
                        .resource(v)
                        .create();
                created++;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Made by an earlier, interrupted run (or since by the controller): the record is there.
            }
        }
        return created;
    }

    /** One ledger entry, strictly: a field missing or of the wrong kind is an error, never a default. */
    static VolumeRecord decode(String name, String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("entry " + name + " is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("entry " + name + " is not a JSON object");
        }
        return new VolumeRecord(
                number(n, name, "projectId"),
                number(n, name, "capacityBytes"),
                text(n, name, "parameters"),
                state(text(n, name, "state"), name),
                reclaim(text(n, name, "onDelete"), name),
                (int) optionalNumber(n, name, "stripeCount"),
                optionalNumber(n, name, "stripeSize"),
                (int) optionalNumber(n, name, "directoryMode"),
                optionalText(n, "mountOptions"),
                optionalText(n, "pvc"),
                optionalText(n, "createdAt"),
                null);
    }

    private static VolumeState state(String text, String name) {
        return switch (text) {
            case "Creating" -> VolumeState.Creating;
            case "Ready" -> VolumeState.Ready;
            case "Deleting" -> VolumeState.Deleting;
            default -> throw new IllegalArgumentException("entry " + name + " has unknown state '" + text + "'");
        };
    }

    private static VolumeReclaim reclaim(String text, String name) {
        return switch (text) {
            case "delete" -> VolumeReclaim.Delete;
            case "archive" -> VolumeReclaim.Archive;
            default -> throw new IllegalArgumentException("entry " + name + " has unknown onDelete '" + text + "'");
        };
    }

    private static long number(JsonNode n, String name, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("entry " + name + " has no integer " + field);
        }
        return v.asLong();
    }

    private static long optionalNumber(JsonNode n, String name, String field) {
        return n.hasNonNull(field) ? number(n, name, field) : 0;
    }

    private static String text(JsonNode n, String name, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("entry " + name + " has no text " + field);
        }
        return v.asText();
    }

    private static String optionalText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    private static boolean ownedBy(ConfigMap cm, String pool) {
        return cm.getMetadata().getOwnerReferences() != null
                && cm.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> "LustreFileSystem".equals(o.getKind())
                                && pool.equals(o.getName())
                                && LustreFileSystem.API_VERSION.equals(o.getApiVersion()));
    }
}
