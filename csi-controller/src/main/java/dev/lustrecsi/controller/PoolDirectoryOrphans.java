package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.model.ApiTime;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.VolumeReclaim;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Volume directories on a shared pool that nothing owns any more: a top-level directory of a pool the controller
 * has mounted, named like a volume ({@value #VOLUME_PREFIX}..., the external-provisioner's PV names), carrying a
 * project id from the driver's range, with no volume record and no PV naming it (a record lost
 * to a manual edit, a restore of old records, a directory copied in). After the grace period it is
 * <em>archived</em>, never deleted: its project id is cleared, it is moved to {@code .csi-archive/<name>-<id>}
 * and the project's quota is dropped (the same steps as DeleteVolume with {@code onDelete: archive}), so the id
 * is free again and the data stays recoverable. Each one is an Event on the pool and a metric.
 *
 * <p>Never touched: directories with a volume record (in any state — the {@link OrphanCollector} handles unfinished
 * creates), directories a PV names, directories with project id 0 or one outside the driver's range, other names
 * (an admin's {@code scratch}), hidden entries, symlinks and files. Pools the controller has not mounted are left
 * alone (it does not mount a pool only to look). The grace period is counted in memory from the first sighting:
 * a restarted controller starts it again, which can only delay an archive.
 */
public final class PoolDirectoryOrphans {
    private static final Logger LOG = LoggerFactory.getLogger(PoolDirectoryOrphans.class);
    static final String VOLUME_PREFIX = "pvc-";

    private final KubernetesClient client;
    private final SharedPools pools;
    private final ProjectIdAllocator projectIds;
    private final Duration grace;
    private final Clock clock;
    private final Counter archived;
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();

    /** {@code projectIds}: the driver's range; a directory with a project id outside it is never touched. */
    public PoolDirectoryOrphans(
            KubernetesClient client,
            SharedPools pools,
            ProjectIdAllocator projectIds,
            Duration grace,
            Clock clock,
            PrometheusRegistry registry) {
        this.client = client;
        this.pools = pools;
        this.projectIds = projectIds;
        this.grace = grace;
        this.clock = clock;
        this.archived = Counter.builder()
                .name("lustre_controller_orphans_removed_total")
                .help("Orphaned pool volume directories archived (kind=subdir), with their project id and quota freed")
                .labelNames("kind")
                .register(registry);
        archived.labelValues("subdir");
    }

    /** One pass; returns "namespace/pool/name" of the directories archived. */
    public synchronized List<String> collect() {
        Instant now = clock.instant();
        Set<String> handles = PersistentVolumeHandles.of(client);
        Set<String> seen = new HashSet<>();
        List<String> done = new ArrayList<>();
        for (VolumeRecords.PoolKey snapshot : pools.records().pools()) {
            Optional<LustreFileSystem> pool = pools.fileSystems().get(snapshot.namespace(), snapshot.pool());
            Optional<Path> root = pools.mounts().mounted(snapshot.namespace(), snapshot.pool());
            if (pool.isEmpty() || root.isEmpty()) {
                continue;
            }
            String fsName = pool.get().getSpec().getFsName();
            for (LfsCommands.ProjectEntry e : pools.directories().projects(root.get())) {
                Path dir = Path.of(e.path());
                String name = dir.getFileName().toString();
                String key = snapshot.namespace() + "/" + snapshot.pool() + "/" + name;
                if (!name.startsWith(VOLUME_PREFIX)
                        || e.projectId() == 0
                        || !projectIds.inRange(e.projectId())
                        || !dir.getParent().equals(root.get())
                        || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || owned(snapshot, name)
                        || handles.contains(
                                new VolumeId(snapshot.namespace(), snapshot.pool(), fsName, name).encode())) {
                    continue;
                }
                seen.add(key);
                Instant first = firstSeen.computeIfAbsent(key, k -> {
                    event(
                            pool.get(),
                            "Warning",
                            "OrphanDirectoryFound",
                            "/" + name + " (project " + e.projectId()
                                    + ") is in no volume record and no PV; archived after " + grace
                                    + " unless claimed");
                    return now;
                });
                if (first.plus(grace).isAfter(now)) {
                    continue;
                }
                // Decide again on the current records: a CreateVolume may have recorded the name since the pass began.
                if (owned(snapshot, name)) {
                    firstSeen.remove(key);
                    continue;
                }
                VolumeRecord record = new VolumeRecord(
                        e.projectId(),
                        0,
                        "",
                        VolumeState.Deleting,
                        VolumeReclaim.Archive,
                        0,
                        0,
                        0,
                        null,
                        null,
                        null,
                        null);
                try {
                    Path to = pools.directories().reclaim(root.get(), name, record);
                    archived.labelValues("subdir").inc();
                    firstSeen.remove(key);
                    done.add(key);
                    event(
                            pool.get(),
                            "Normal",
                            "OrphanDirectoryArchived",
                            "/" + name + " archived to /" + root.get().relativize(to) + "; project " + e.projectId()
                                    + " and its quota freed");
                    LOG.info("archived orphaned volume directory {} to {}", key, to);
                } catch (RuntimeException ex) {
                    LOG.warn("orphaned volume directory {} not archived yet: {}", key, ex.getMessage());
                }
            }
        }
        firstSeen.keySet().retainAll(seen);
        return done;
    }

    /**
     * A record names the directory, or a CreateVolume in this process is between making it and recording it (the
     * grace period covers another replica's, and a record write whose answer was lost but which lands later).
     */
    private boolean owned(VolumeRecords.PoolKey pool, String name) {
        VolumeRecords records = pools.records();
        return records.get(pool.namespace(), pool.pool(), name).isPresent()
                || records.inFlight(pool.namespace(), pool.pool(), name);
    }

    private void event(LustreFileSystem pool, String type, String reason, String message) {
        String now = ApiTime.time(Instant.now());
        try {
            client.v1()
                    .events()
                    .inNamespace(pool.getMetadata().getNamespace())
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(pool.getMetadata().getName() + ".orphan." + Long.toHexString(System.nanoTime()))
                            .withNamespace(pool.getMetadata().getNamespace())
                            .endMetadata()
                            .withNewInvolvedObject()
                            .withApiVersion(LustreFileSystem.API_VERSION)
                            .withKind("LustreFileSystem")
                            .withName(pool.getMetadata().getName())
                            .withNamespace(pool.getMetadata().getNamespace())
                            .withUid(pool.getMetadata().getUid())
                            .endInvolvedObject()
                            .withType(type)
                            .withReason(reason)
                            .withMessage(message)
                            .withCount(1)
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .withNewSource()
                            .withComponent("lustre-csi-controller")
                            .endSource()
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            LOG.warn("could not record event {}: {}", reason, e.getMessage());
        }
    }
}
