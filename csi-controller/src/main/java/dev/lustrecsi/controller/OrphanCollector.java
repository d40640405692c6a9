package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes volumes whose CreateVolume never completed and whose claim is gone: a reservation on a pool still
 * {@code Creating} (or a clone still {@code Cloning}), or a dedicated filesystem never handed over, older than a
 * grace period, with no PV naming it and its PVC deleted. That is what is left when a user deletes a Pending PVC
 * while the external-provisioner (which would otherwise finish and then delete it) restarts. Volumes that were
 * handed over are never touched: after that only DeleteVolume removes them, so a Retain PV's data is safe. Volumes
 * created without the claim's name ({@code --extra-create-metadata} off) are never collected.
 */
public final class OrphanCollector {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanCollector.class);

    private final KubernetesClient client;
    private final VolumeKinds kinds;
    private final Duration grace;

    public OrphanCollector(KubernetesClient client, VolumeKinds kinds, Duration grace) {
        this.client = client;
        this.kinds = kinds;
        this.grace = grace;
    }

    /** One pass; returns the ids of the volumes it removed. */
    public List<String> collect() {
        Instant cutoff = Instant.now().minus(grace);
        Set<String> handles = PersistentVolumeHandles.of(client);
        VolumeRecords records = kinds.pools().records();
        LustreFileSystems fileSystems = kinds.pools().fileSystems();
        List<String> removed = new ArrayList<>();
        for (VolumeRecords.PoolKey key : records.pools()) {
            Optional<LustreFileSystem> pool = fileSystems.get(key.namespace(), key.pool());
            if (pool.isEmpty()) {
                continue;
            }
            for (Map.Entry<String, VolumeRecord> e :
                    records.volumes(key.namespace(), key.pool()).entrySet()) {
                VolumeRecord r = e.getValue();
                if (r.state() != VolumeState.Creating && r.state() != VolumeState.Cloning
                        || !olderThan(r.createdAt(), cutoff)) {
                    continue;
                }
                VolumeId id = new VolumeId(
                        key.namespace(), key.pool(), pool.get().getSpec().getFsName(), e.getKey());
                reclaimIfAbandoned(id, r.pvc(), handles, removed);
            }
        }
        for (LustreFileSystem fs : fileSystems.listDedicated()) {
            Optional<DedicatedVolume> record;
            try {
                record = DedicatedVolume.read(fs);
            } catch (IllegalArgumentException e) {
                LOG.warn("not collecting {}: {}", fs.getMetadata().getName(), e.getMessage());
                continue;
            }
            if (record.isEmpty()
                    || record.get().handedOver()
                    || !olderThan(fs.getMetadata().getCreationTimestamp(), cutoff)) {
                continue;
            }
            VolumeId id = new VolumeId(
                    fs.getMetadata().getNamespace(),
                    fs.getMetadata().getName(),
                    fs.getSpec().getFsName(),
                    "");
            reclaimIfAbandoned(id, record.get().pvc().orElse(null), handles, removed);
        }
        return removed;
    }

    private void reclaimIfAbandoned(VolumeId id, String pvc, Set<String> handles, List<String> removed) {
        if (pvc == null || handles.contains(id.encode()) || claimExists(pvc)) {
            return;
        }
        try {
            kinds.reclaim(id);
            removed.add(id.encode());
            LOG.info("removed orphaned volume {}: its claim {} is gone and no PV names it", id, pvc);
        } catch (RuntimeException e) {
            LOG.warn("orphaned volume {} not removed yet: {}", id, e.getMessage());
        }
    }

    private boolean claimExists(String pvc) {
        int slash = pvc.indexOf('/');
        return client.persistentVolumeClaims()
                        .inNamespace(pvc.substring(0, slash))
                        .withName(pvc.substring(slash + 1))
                        .get()
                != null;
    }

    private static boolean olderThan(String timestamp, Instant cutoff) {
        if (timestamp == null) {
            return false;
        }
        try {
            return Instant.parse(timestamp).isBefore(cutoff);
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
