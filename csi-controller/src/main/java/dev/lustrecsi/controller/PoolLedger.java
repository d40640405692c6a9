package dev.lustrecsi.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The durable list of volumes on one shared pool: a ConfigMap {@code <pool>-csi-volumes} next to the pool's
 * LustreFileSystem (owned by it), one data entry per volume name holding its {@link VolumeRecord}.
 *
 * <p>Why a ConfigMap per pool rather than PV attributes or annotations on the pool: everything that has to be
 * decided atomically for a pool (which project ids are taken, the sum of requests the pool must cover, whether a
 * name already exists) is then in one object, changed with resourceVersion-checked updates. Concurrent calls,
 * several controller replicas and a restart mid-create all see the same truth, and a record exists from the
 * moment a volume is reserved, before the external-provisioner has written any PV. The operator never writes
 * this object, so its status updates cannot conflict with ours. At roughly 200 bytes per entry a ConfigMap
 * (1 MiB) holds several thousand volumes per pool.
 */
public final class PoolLedger {
    public static final String LABEL_POOL = "lustre.csi.lustrecsi.dev/pool";
    static final String SUFFIX = "-csi-volumes";
    private static final int MAX_ATTEMPTS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    /**
     * One writer per ledger in this process: concurrent calls wait here instead of racing each other into conflicts
     * on the API server, where with many callers (the external-provisioner runs up to 100) a loser could retry until
     * it gave up. Other replicas are still kept out by the resourceVersion check.
     */
    private final ConcurrentHashMap<String, Object> writers = new ConcurrentHashMap<>();

    public PoolLedger(KubernetesClient client) {
        this.client = client;
    }

    /** The ledger of one pool as read now; empty when the pool has no volumes yet. */
    public record Snapshot(String namespace, String pool, Map<String, VolumeRecord> volumes) {
        public long requestedBytes() {
            return volumes.values().stream().mapToLong(VolumeRecord::capacityBytes).sum();
        }
    }

    public static String configMapName(String pool) {
        return pool + SUFFIX;
    }

    public Snapshot read(String namespace, String pool) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(configMapName(pool)).get();
        return new Snapshot(namespace, pool, decode(cm));
    }

    /** Every pool ledger the controller can see, for ListVolumes. */
    public List<Snapshot> readAll() {
        return client.configMaps().inAnyNamespace().withLabel(LABEL_POOL).list().getItems().stream()
                .map(cm -> new Snapshot(cm.getMetadata().getNamespace(), cm.getMetadata().getLabels().get(LABEL_POOL),
                        decode(cm)))
                .toList();
    }

    /**
     * Applies {@code change} to a fresh copy of the pool's volumes and writes the result if it differs, with the
     * resourceVersion it was read at; on a conflict (someone else wrote first) it reads again and re-applies,
     * so {@code change} must be a pure decision on its input. Exceptions from {@code change} abort without
     * writing anything.
     */
    public <T> T update(LustreFileSystem pool, Function<Map<String, VolumeRecord>, T> change) {
        String namespace = pool.getMetadata().getNamespace();
        String name = configMapName(pool.getMetadata().getName());
        synchronized (writers.computeIfAbsent(namespace + "/" + name, k -> new Object())) {
            return updateNow(pool, namespace, name, change);
        }
    }

    private <T> T updateNow(LustreFileSystem pool, String namespace, String name, Function<Map<String, VolumeRecord>, T> change) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
            Map<String, VolumeRecord> before = decode(current);
            Map<String, VolumeRecord> after = new HashMap<>(before);
            T result = change.apply(after);
            if (after.equals(before)) {
                return result;
            }
            try {
                if (current == null) {
                    client.configMaps().inNamespace(namespace).resource(newConfigMap(pool, name, after)).create();
                } else {
                    current.setData(encode(after));
                    client.configMaps().inNamespace(namespace).resource(current).update();
                }
                return result;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Another writer got there first: decide again on what it wrote.
            }
        }
        throw new IllegalStateException("ledger " + namespace + "/" + name + " kept changing; gave up after "
                + MAX_ATTEMPTS + " attempts");
    }

    private static ConfigMap newConfigMap(LustreFileSystem pool, String name, Map<String, VolumeRecord> volumes) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(pool.getMetadata().getNamespace())
                .addToLabels(LABEL_POOL, pool.getMetadata().getName())
                .addToLabels("app.kubernetes.io/managed-by", dev.lustrecsi.csi.DriverNames.DRIVER_NAME)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(LustreFileSystem.API_VERSION)
                        .withKind("LustreFileSystem")
                        .withName(pool.getMetadata().getName())
                        .withUid(pool.getMetadata().getUid())
                        .build())
                .endMetadata()
                .withData(encode(volumes))
                .build();
    }

    private static Map<String, VolumeRecord> decode(ConfigMap cm) {
        Map<String, VolumeRecord> volumes = new TreeMap<>();
        if (cm == null || cm.getData() == null) {
            return volumes;
        }
        for (Map.Entry<String, String> e : cm.getData().entrySet()) {
            try {
                volumes.put(e.getKey(), JSON.readValue(e.getValue(), VolumeRecord.class));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("ledger " + cm.getMetadata().getName() + " has an unreadable entry '"
                        + e.getKey() + "': " + ex.getOriginalMessage(), ex);
            }
        }
        return volumes;
    }

    private static Map<String, String> encode(Map<String, VolumeRecord> volumes) {
        Map<String, String> data = new TreeMap<>();
        volumes.forEach((k, v) -> {
            try {
                data.put(k, JSON.writeValueAsString(v));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
        return data;
    }
}
