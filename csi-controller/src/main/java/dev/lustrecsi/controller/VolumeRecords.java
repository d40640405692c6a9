package dev.lustrecsi.controller;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreVolume;
import dev.lustrecsi.model.LustreVolumeSpec;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of shared-pool volumes: one {@link LustreVolume} per volume in the pool's namespace, owned by the
 * pool (docs/decisions/0005-volume-records.md). This class is their one reader and writer.
 *
 * <p>Reads come from an in-memory view an informer keeps current (one paginated LIST and a watch: a restart
 * rebuilds it without reading anything per volume), which this class also updates on its own successful writes.
 * Per pool it keeps the sum of requested bytes and which project ids are held, incrementally, so no decision costs
 * time proportional to the pool.
 *
 * <p>Writes: a decision about one volume is made under a short in-memory lock of its pool and held there as
 * <i>pending</i> (other decisions on the pool see it) while the one object is written, outside the lock; so
 * concurrent creates on a pool never wait for each other's API calls. The name is unique by the API (a create of an
 * existing name fails with 409). Project ids are unique within one process by the pending view; across replicas
 * (two controllers serving calls during a leader hand-over) by arbitration after each new record: the writer waits
 * until its watch has delivered its own record and yields if another record of the pool with the same id was
 * delivered before it. Watch order is the same for every replica, so exactly one keeps the id.
 */
public final class VolumeRecords implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeRecords.class);

    /** Label on every record: the pool it is on (selects a pool's records with kubectl). */
    public static final String LABEL_POOL = "lustre.csi.lustrecsi.dev/pool";
    /** Kubernetes' object name rule (a DNS subdomain, RFC 1123). */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final int MAX_ATTEMPTS = 10;
    /** Records per LIST page when the view is (re)built. */
    private static final long LIST_PAGE = 500;

    private static final Duration ARBITRATION_WAIT = Duration.ofSeconds(10);

    /** A pool: its namespace and LustreFileSystem name. */
    public record PoolKey(String namespace, String pool) {}

    /** A record as ListVolumes pages through them, in volume id order. */
    public record Listed(String namespace, String pool, String name, VolumeRecord record) {}

    /** The pool's volumes as a decision sees them: committed records overlaid with decisions in flight. */
    public interface PoolVolumes {
        /** The volume's record, or null. */
        VolumeRecord get(String name);

        /** Σ capacity over the pool's volumes (including ones being created or deleted). */
        long requestedBytes();

        /** Whether a volume of the pool holds the project id. */
        boolean projectIdTaken(long projectId);

        /** Every id below this one is held (a hint where to start looking for a free id). */
        long lowestPossiblyFreeProjectId(long first);

        /** The volumes of the pool being cloned from {@code source} now (reserved or copying, not yet Ready). */
        Set<String> clonesInProgressOf(String source);
    }

    /** The project id of a new record was also given, earlier, to another record of the pool by another replica. */
    public static final class ProjectIdTakenException extends RuntimeException {
        private final VolumeRecord winner;

        ProjectIdTakenException(String message, VolumeRecord winner) {
            super(message);
            this.winner = winner;
        }

        /** The record that keeps the id. */
        public VolumeRecord winner() {
            return winner;
        }
    }

    /**
     * A record as held in the view: the object's uid (which incarnation of the name) and version, and
     * {@code arrival}, the order in which the watch delivered it (0: not yet).
     */
    private record Held(VolumeRecord record, String uid, String resourceVersion, long arrival) {}

    /** One pool's view. Every field is guarded by the object's monitor. */
    private static final class PoolState {
        final Map<String, Held> committed = new HashMap<>();
        /** Decisions being written: the new record, or empty for a removal. */
        final Map<String, Optional<VolumeRecord>> pending = new HashMap<>();

        final Map<Long, Set<String>> holders = new HashMap<>();
        /** Clones not finished yet, by source: a source must not be deleted under them (kept like the sums). */
        final Map<String, Set<String>> clonesBySource = new HashMap<>();

        long requested;
        long freeHint = Long.MAX_VALUE;

        VolumeRecord effective(String name) {
            Optional<VolumeRecord> p = pending.get(name);
            if (p != null) {
                return p.orElse(null);
            }
            Held h = committed.get(name);
            return h == null ? null : h.record();
        }

        /** Runs a change of {@code name}'s maps and keeps the aggregates in step with the effective view. */
        void change(String name, Runnable mutation) {
            VolumeRecord before = effective(name);
            mutation.run();
            VolumeRecord after = effective(name);
            if (before != null) {
                requested -= before.capacityBytes();
                Set<String> names = holders.get(before.projectId());
                if (names != null) {
                    names.remove(name);
                    if (names.isEmpty()) {
                        holders.remove(before.projectId());
                        // MAX_VALUE means "no hint yet: search from the first id"; lowering it to this id would
                        // claim every id below is held, and a re-applied record would hide the free ids under it.
                        if (freeHint != Long.MAX_VALUE) {
                            freeHint = Math.min(freeHint, before.projectId());
                        }
                    }
                }
            }
            if (after != null) {
                requested += after.capacityBytes();
                holders.computeIfAbsent(after.projectId(), k -> new HashSet<>(2))
                        .add(name);
            }
            if (cloneInProgress(before)) {
                Set<String> clones = clonesBySource.get(before.source());
                if (clones != null) {
                    clones.remove(name);
                    if (clones.isEmpty()) {
                        clonesBySource.remove(before.source());
                    }
                }
            }
            if (cloneInProgress(after)) {
                clonesBySource
                        .computeIfAbsent(after.source(), k -> new HashSet<>(2))
                        .add(name);
            }
        }

        private static boolean cloneInProgress(VolumeRecord r) {
            return r != null
                    && r.source() != null
                    && (r.state() == VolumeState.Creating || r.state() == VolumeState.Cloning);
        }
    }

    private final KubernetesClient client;
    private final ConcurrentHashMap<PoolKey, PoolState> pools = new ConcurrentHashMap<>();
    /** Every committed record by {@code namespace:pool:name}, which sorts as the volume ids do. */
    private final ConcurrentSkipListMap<String, Listed> ordered = new ConcurrentSkipListMap<>();
    /** Uids of objects this process deleted: late events about them must not bring them back. */
    private final Set<String> tombstones = ConcurrentHashMap.newKeySet();

    private final AtomicLong arrivals = new AtomicLong();
    private final Set<String> rejectedLogged = ConcurrentHashMap.newKeySet();
    private SharedIndexInformer<LustreVolume> informer;

    private VolumeRecords(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Starts watching every LustreVolume the controller can see and returns once the view holds them all, retrying a
     * failed LIST until {@code timeout}.
     *
     * <p>Read in pages (LIST with limit/continue): each request stays small. A one-request LIST of 100,000 records
     * on a loaded API server outlasted fabric8's 10 s request timeout on every attempt (bench, 2026-12-06), each
     * abandoned attempt still costing the server a full LIST. The price of pages: kube-apiserver 1.34+
     * (ListFromCacheSnapshot, on by default) serves a continuation from its watch cache at the first page's
     * resourceVersion and, while that cache trails etcd, refuses it with 504 "Too large resource version" after 3 s
     * (storage/cacher: Cacher.ShouldDelegateContinue; only a consistent read falls back to etcd). The informer then
     * lists again from a consistent first page, as client-go's reflector does on that error (tools/cache/reflector.go,
     * isTooLargeResourceVersionError, relisting with resourceVersion unset in pages of 500), and never gives up (see
     * {@link #retryListing}); the view completes once the cache has caught up.
     */
    public static VolumeRecords start(KubernetesClient client, Duration timeout) {
        VolumeRecords records = new VolumeRecords(client);
        records.informer = client.resources(LustreVolume.class)
                .inAnyNamespace()
                .withLimit(LIST_PAGE)
                .runnableInformer(0);
        records.informer.exceptionHandler(VolumeRecords::retryListing);
        records.informer.addEventHandler(records.new Events());
        try {
            long started = System.nanoTime();
            records.informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long listedAt = System.nanoTime();
            // The informer's start completes once its cache holds the LIST; its handlers run later, on their own
            // thread. Applying the cache here means a restarted controller never answers from a partial view
            // (ListVolumes, capacity sums). Creation order stands in for watch order; applying twice is harmless.
            List<LustreVolume> listed =
                    new ArrayList<>(records.informer.getStore().list());
            listed.sort(Comparator.comparing(
                    (LustreVolume v) -> numericVersion(v.getMetadata().getResourceVersion())));
            for (LustreVolume v : listed) {
                records.applyIfStillListed(v);
            }
            // Where a restart's time goes (the bench reads it): the LIST is the API server's and the JSON decoding's.
            LOG.info(
                    "volume records: {} read in {} ms (LIST {} ms, view {} ms)",
                    listed.size(),
                    (System.nanoTime() - started) / 1_000_000,
                    (listedAt - started) / 1_000_000,
                    (System.nanoTime() - listedAt) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            records.close();
            throw new IllegalStateException("interrupted while reading volume records", e);
        } catch (ExecutionException | TimeoutException e) {
            records.close();
            throw new IllegalStateException("cannot read the LustreVolume records: " + e, e);
        }
        return records;
    }

    /**
     * Whether the informer lists again after {@code failure}. fabric8's default gives up on any failure before the
     * first LIST succeeded (the controller would exit on an API server that kept refusing it for the ~19 s of fabric8's
     * own HTTP retries); client-go's reflector retries every failed LIST with backoff and never gives up. So does this
     * view, within the start's timeout; a watch that fabric8 itself could not re-establish is still not retried.
     */
    static boolean retryListing(boolean started, Throwable failure) {
        return !(failure instanceof io.fabric8.kubernetes.client.WatcherException);
    }

    /** Stops the watch, waiting briefly until it has stopped (so a restart does not overlap two watches). */
    @Override
    public void close() {
        if (informer != null) {
            informer.close();
            try {
                informer.stopped().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("the records watch did not report stopping: {}", e.toString());
            }
        }
    }

    // ------------------------------------------------------------------ reads

    public Optional<VolumeRecord> get(String namespace, String pool, String name) {
        PoolState state = pools.get(new PoolKey(namespace, pool));
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            Held h = state.committed.get(name);
            return Optional.ofNullable(h).map(Held::record);
        }
    }

    /**
     * Whether this process is carrying out a decision about {@code name} now: a create makes the volume's directory
     * before it writes the record, so between the two the directory is owned although no record names it.
     */
    public boolean inFlight(String namespace, String pool, String name) {
        PoolState state = pools.get(new PoolKey(namespace, pool));
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.pending.containsKey(name);
        }
    }

    /** Σ capacity of the pool's volumes, including decisions being written. */
    public long requestedBytes(String namespace, String pool) {
        PoolState state = pools.get(new PoolKey(namespace, pool));
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.requested;
        }
    }

    /** Pools that have at least one record. */
    public List<PoolKey> pools() {
        List<PoolKey> out = new ArrayList<>();
        pools.forEach((k, s) -> {
            synchronized (s) {
                if (!s.committed.isEmpty()) {
                    out.add(k);
                }
            }
        });
        return out;
    }

    /** A copy of the pool's committed records by volume name. */
    public Map<String, VolumeRecord> volumes(String namespace, String pool) {
        Map<String, VolumeRecord> out = new TreeMap<>();
        PoolState state = pools.get(new PoolKey(namespace, pool));
        if (state != null) {
            synchronized (state) {
                state.committed.forEach((n, h) -> out.put(n, h.record()));
            }
        }
        return out;
    }

    /** Up to {@code max} records from {@code fromKey} on (see {@link #orderKey}), in volume id order. */
    public List<Listed> page(String fromKey, int max) {
        List<Listed> out = new ArrayList<>(Math.min(max, 1024));
        for (Listed l : ordered.tailMap(fromKey, true).values()) {
            if (out.size() >= max) {
                break;
            }
            out.add(l);
        }
        return out;
    }

    /** The key records are ordered by: for one pool (one fsname) it sorts exactly as the volume ids. */
    public static String orderKey(String namespace, String pool, String name) {
        return namespace + ":" + pool + ":" + name;
    }

    // ------------------------------------------------------------------ writes

    /**
     * A decision about one volume of a pool, held in the pool's view until {@link #commit} writes it or
     * {@link #close} drops it. Callers hold the volume's lock (one call per volume at a time in this process).
     */
    public final class Reservation implements AutoCloseable {
        private final LustreFileSystem pool;
        private final PoolState state;
        private final String name;
        private final VolumeRecord before;
        private VolumeRecord decided;
        private boolean pendingHeld;
        private boolean open = true;

        /**
         * Decides on the pool's current view and, if that changes anything, holds the decision in the view (as
         * {@link #commit} and {@link #close} release it). Runs under the pool's lock.
         */
        private Reservation(
                LustreFileSystem pool, PoolState state, String name, Function<PoolVolumes, VolumeRecord> decide) {
            this.pool = pool;
            this.state = state;
            this.name = name;
            before = state.effective(name);
            if (state.pending.containsKey(name)) {
                throw new IllegalStateException("volume " + name + " already has a decision in flight");
            }
            decided = decide.apply(view(state));
            pendingHeld = !java.util.Objects.equals(decided, before);
            if (pendingHeld) {
                VolumeRecord held = decided;
                state.change(name, () -> state.pending.put(name, Optional.ofNullable(held)));
            }
        }

        /** The record decided (null: the volume is to be removed or does not exist). */
        public VolumeRecord record() {
            return decided;
        }

        /** Whether the decision is a volume that has no record yet. */
        public boolean isNew() {
            return before == null && decided != null;
        }

        /**
         * Writes {@code record} (null removes the volume's record) and makes it the committed view. A 409 means the
         * view was stale (another replica wrote the object): the object is read again into the view and the call
         * fails with {@link StaleRecordException}, to be decided again.
         *
         * @throws ProjectIdTakenException when the record is new and another replica's record holds its id
         */
        public VolumeRecord commit(VolumeRecord record) {
            if (!open) {
                throw new IllegalStateException("reservation of " + name + " already closed");
            }
            decided = record;
            synchronized (state) {
                state.change(name, () -> state.pending.put(name, Optional.ofNullable(record)));
            }
            pendingHeld = true;
            try {
                write(pool, name, before, record);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            open = false;
            pendingHeld = false;
            synchronized (state) {
                state.change(name, () -> state.pending.remove(name));
            }
            if (before == null && record != null) {
                arbitrate(pool, name, record);
            }
            return record;
        }

        /** Drops the decision if it was not written. */
        @Override
        public void close() {
            open = false;
            if (pendingHeld) {
                pendingHeld = false;
                synchronized (state) {
                    state.change(name, () -> state.pending.remove(name));
                }
            }
        }
    }

    /** The view was stale: another writer changed the record; decide again. */
    public static final class StaleRecordException extends RuntimeException {
        StaleRecordException(String message) {
            super(message);
        }
    }

    /**
     * Decides about {@code name} on the pool's current view and holds the decision (nothing written yet).
     * {@code decide} returns the volume's new record (the current one to change nothing, null to remove it); it
     * runs under the pool's in-memory lock, so it must be quick and call nothing remote. Exceptions from it
     * propagate and reserve nothing.
     */
    public Reservation reserve(LustreFileSystem pool, String name, Function<PoolVolumes, VolumeRecord> decide) {
        PoolState state = pools.computeIfAbsent(key(pool), k -> new PoolState());
        synchronized (state) {
            return new Reservation(pool, state, name, decide);
        }
    }

    /**
     * {@link #reserve} and {@link Reservation#commit} at once, decided again (up to a few times) when the view
     * proves stale. Returns the volume's record after the change (null if it has none).
     */
    public VolumeRecord update(LustreFileSystem pool, String name, Function<PoolVolumes, VolumeRecord> decide) {
        for (int attempt = 1; ; attempt++) {
            try (Reservation r = reserve(pool, name, decide)) {
                if (java.util.Objects.equals(r.record(), r.before)) {
                    return r.record();
                }
                return r.commit(r.record());
            } catch (StaleRecordException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IllegalStateException("record of volume " + name + " kept changing: " + e.getMessage());
                }
            }
        }
    }

    private PoolVolumes view(PoolState state) {
        return new PoolVolumes() {
            @Override
            public VolumeRecord get(String name) {
                return state.effective(name);
            }

            @Override
            public long requestedBytes() {
                return state.requested;
            }

            @Override
            public boolean projectIdTaken(long projectId) {
                return state.holders.containsKey(projectId);
            }

            @Override
            public long lowestPossiblyFreeProjectId(long first) {
                long hint = state.freeHint == Long.MAX_VALUE ? first : Math.max(first, state.freeHint);
                while (state.holders.containsKey(hint)) {
                    hint++;
                }
                // Everything below is held (or was when the hint was last lowered): start there next time.
                state.freeHint = hint;
                return hint;
            }

            @Override
            public Set<String> clonesInProgressOf(String source) {
                return Set.copyOf(state.clonesBySource.getOrDefault(source, Set.of()));
            }
        };
    }

    private void write(LustreFileSystem pool, String name, VolumeRecord before, VolumeRecord after) {
        String namespace = pool.getMetadata().getNamespace();
        String poolName = pool.getMetadata().getName();
        String object = objectName(poolName, name);
        PoolState state = pools.get(key(pool));
        try {
            if (after == null) {
                client.resources(LustreVolume.class)
                        .inNamespace(namespace)
                        .withName(object)
                        .delete();
                Held gone;
                synchronized (state) {
                    gone = state.committed.get(name);
                    state.change(name, () -> state.committed.remove(name));
                }
                if (gone != null && gone.uid() != null) {
                    tombstones.add(gone.uid());
                }
                ordered.remove(orderKey(namespace, poolName, name));
                return;
            }
            LustreVolume resource = toResource(pool, name, after);
            LustreVolume written;
            if (before == null) {
                written = client.resources(LustreVolume.class)
                        .inNamespace(namespace)
                        .resource(resource)
                        .create();
            } else {
                Held held;
                synchronized (state) {
                    held = state.committed.get(name);
                }
                resource.getMetadata().setResourceVersion(held == null ? null : held.resourceVersion());
                written = client.resources(LustreVolume.class)
                        .inNamespace(namespace)
                        .resource(resource)
                        .update();
            }
            apply(namespace, written, false);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404 && after != null && before != null) {
                refresh(namespace, object);
                throw new StaleRecordException(
                        "LustreVolume " + namespace + "/" + object + " changed meanwhile (" + e.getCode() + ")");
            }
            throw e;
        }
    }

    /** Reads one object into the view again (after a conflict). */
    private void refresh(String namespace, String object) {
        LustreVolume current = client.resources(LustreVolume.class)
                .inNamespace(namespace)
                .withName(object)
                .get();
        if (current != null) {
            apply(namespace, current, false);
        }
    }

    /**
     * After creating a record: waits until the watch delivered it, then checks whether another record of the pool
     * with the same project id was delivered before it. If so, this one yields (its object is deleted).
     */
    private void arbitrate(LustreFileSystem pool, String name, VolumeRecord record) {
        PoolState state = pools.get(key(pool));
        long deadline = System.nanoTime() + ARBITRATION_WAIT.toNanos();
        VolumeRecord winner = null;
        synchronized (state) {
            while (true) {
                Held ours = state.committed.get(name);
                if (ours == null || !record.equals(ours.record())) {
                    return; // changed or removed meanwhile by this process: nothing left to arbitrate
                }
                if (ours.arrival() > 0) {
                    for (String other : state.holders.getOrDefault(record.projectId(), Set.of())) {
                        Held h = state.committed.get(other);
                        if (!other.equals(name) && h != null && h.arrival() > 0 && h.arrival() < ours.arrival()) {
                            winner = h.record();
                        }
                    }
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn(
                            "the watch has not delivered record {} after {}; its project id {} is not cross-checked",
                            name,
                            ARBITRATION_WAIT,
                            record.projectId());
                    return;
                }
                try {
                    state.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (winner != null) {
            LOG.warn(
                    "project id {} of new volume {} was given first to another volume of pool {}/{} (another replica);"
                            + " choosing again",
                    record.projectId(),
                    name,
                    pool.getMetadata().getNamespace(),
                    pool.getMetadata().getName());
            write(pool, name, record, null);
            throw new ProjectIdTakenException("project id " + record.projectId() + " was taken concurrently", winner);
        }
    }

    // ------------------------------------------------------------------ the view from the watch

    private final class Events implements ResourceEventHandler<LustreVolume> {
        @Override
        public void onAdd(LustreVolume obj) {
            dropManagedFields(obj);
            apply(obj.getMetadata().getNamespace(), obj, true);
        }

        @Override
        public void onUpdate(LustreVolume oldObj, LustreVolume newObj) {
            dropManagedFields(newObj);
            apply(newObj.getMetadata().getNamespace(), newObj, true);
        }

        @Override
        public void onDelete(LustreVolume obj, boolean deletedFinalStateUnknown) {
            String namespace = obj.getMetadata().getNamespace();
            tombstones.remove(obj.getMetadata().getUid());
            Optional<Parsed> parsed = parse(obj);
            if (parsed.isEmpty()) {
                return;
            }
            Parsed p = parsed.get();
            PoolState state = pools.computeIfAbsent(new PoolKey(namespace, p.pool()), k -> new PoolState());
            synchronized (state) {
                Held held = state.committed.get(p.name());
                // Only that incarnation goes: the name may have been created again since.
                if (held != null
                        && java.util.Objects.equals(
                                held.uid(), obj.getMetadata().getUid())) {
                    state.change(p.name(), () -> state.committed.remove(p.name()));
                    ordered.remove(orderKey(namespace, p.pool(), p.name()));
                }
                state.notifyAll();
            }
        }
    }

    /**
     * The informer's cache keeps every record object for as long as it exists; their managedFields (the API server's
     * field ownership, about half of each object) are never read here, so they are dropped from the cached copy,
     * as client-go's informers do with a transform. Halves the cache at 100,000 records.
     */
    private static void dropManagedFields(LustreVolume obj) {
        if (obj.getMetadata() != null) {
            obj.getMetadata().setManagedFields(null);
        }
    }

    /**
     * {@link #apply} for an object read from the informer's cache at start, unless the cache dropped it meanwhile.
     * The check runs under the pool's lock, the lock the delete handler takes, so a delete that follows still wins.
     */
    private void applyIfStillListed(LustreVolume obj) {
        dropManagedFields(obj);
        Optional<Parsed> parsed = parse(obj);
        if (parsed.isEmpty()) {
            return;
        }
        PoolState state = pools.computeIfAbsent(
                new PoolKey(obj.getMetadata().getNamespace(), parsed.get().pool()), k -> new PoolState());
        synchronized (state) {
            LustreVolume now = informer.getStore().get(obj);
            if (now != null
                    && java.util.Objects.equals(
                            now.getMetadata().getUid(), obj.getMetadata().getUid())) {
                apply(obj.getMetadata().getNamespace(), now, true);
            }
        }
    }

    /**
     * Puts an object into the view unless the view already holds a newer version of it. {@code fromWatch}: it was
     * delivered by the watch, which gives it its arrival order (the arbitration order) if it has none yet.
     */
    private void apply(String namespace, LustreVolume obj, boolean fromWatch) {
        Optional<Parsed> parsed = parse(obj);
        if (parsed.isEmpty()) {
            return;
        }
        Parsed p = parsed.get();
        String rv = obj.getMetadata().getResourceVersion();
        String uid = obj.getMetadata().getUid();
        if (uid != null && tombstones.contains(uid)) {
            return;
        }
        PoolState state = pools.computeIfAbsent(new PoolKey(namespace, p.pool()), k -> new PoolState());
        synchronized (state) {
            Held held = state.committed.get(p.name());
            long arrival = held == null ? 0 : held.arrival();
            if (fromWatch && arrival == 0) {
                arrival = arrivals.incrementAndGet();
            }
            boolean sameObject = held != null && java.util.Objects.equals(held.uid(), uid);
            if (held != null && !sameObject) {
                arrival = fromWatch ? arrivals.incrementAndGet() : 0; // a new incarnation of the name
            }
            boolean keepContent = sameObject && newer(held.resourceVersion(), rv);
            Held next = keepContent
                    ? new Held(held.record(), uid, held.resourceVersion(), arrival)
                    : new Held(p.record(), uid, rv, arrival);
            state.change(p.name(), () -> state.committed.put(p.name(), next));
            ordered.put(
                    orderKey(namespace, p.pool(), p.name()), new Listed(namespace, p.pool(), p.name(), next.record()));
            state.notifyAll();
        }
    }

    private static long numericVersion(String rv) {
        try {
            return rv == null ? Long.MAX_VALUE : Long.parseLong(rv);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Whether version a is strictly newer than b. Versions are compared as numbers when both are (etcd's are). */
    private static boolean newer(String a, String b) {
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return false;
        }
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ the one reader and writer of the object

    /** A record read back: its pool, volume name and content. */
    public record Parsed(String pool, String name, VolumeRecord record) {}

    /**
     * The record an object holds, if it is one the driver wrote: its name is the one derived from its pool and
     * volume name, its pool label matches, it is owned by the pool's LustreFileSystem and every field is present.
     * Anything else (someone else's object of the kind, a hand edit that broke it) is ignored and logged once.
     */
    public static Optional<Parsed> parse(LustreVolume obj) {
        LustreVolumeSpec s = obj.getSpec();
        String problem = null;
        if (s == null || s.getPool() == null || s.getVolumeName() == null) {
            problem = "no spec.pool or spec.volumeName";
        } else if (!objectName(s.getPool(), s.getVolumeName())
                .equals(obj.getMetadata().getName())) {
            problem =
                    "its name is not the one the driver gives volume " + s.getVolumeName() + " of pool " + s.getPool();
        } else if (obj.getMetadata().getLabels() == null
                || !s.getPool().equals(obj.getMetadata().getLabels().get(LABEL_POOL))) {
            problem = "label " + LABEL_POOL + " is not " + s.getPool();
        } else if (!ownedByPool(obj, s.getPool())) {
            problem = "it is not owned by LustreFileSystem " + s.getPool();
        } else if (s.getState() == null
                || s.getProjectId() == null
                || s.getCapacityBytes() == null
                || s.getParameters() == null
                || s.getOnDelete() == null) {
            problem = "spec.state, projectId, capacityBytes, parameters or onDelete is missing";
        }
        if (problem == null) {
            try {
                return Optional.of(new Parsed(
                        s.getPool(),
                        s.getVolumeName(),
                        new VolumeRecord(
                                s.getProjectId(),
                                s.getCapacityBytes(),
                                s.getParameters(),
                                s.getState(),
                                s.getOnDelete(),
                                s.getStripeCount() == null ? 0 : s.getStripeCount(),
                                s.getStripeSize() == null ? 0 : s.getStripeSize(),
                                s.getDirectoryMode() == null ? 0 : s.getDirectoryMode(),
                                s.getMountOptions(),
                                s.getPvc(),
                                s.getCreatedAt(),
                                s.getSourceVolume())));
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        String id = obj.getMetadata().getNamespace() + "/" + obj.getMetadata().getName();
        LOG.warn("LustreVolume {} is not a volume record of this driver and is ignored: {}", id, problem);
        return Optional.empty();
    }

    private static boolean ownedByPool(LustreVolume obj, String pool) {
        List<OwnerReference> owners = obj.getMetadata().getOwnerReferences();
        return owners != null
                && owners.stream()
                        .anyMatch(o -> LustreFileSystem.API_VERSION.equals(o.getApiVersion())
                                && "LustreFileSystem".equals(o.getKind())
                                && pool.equals(o.getName()));
    }

    public static LustreVolume toResource(LustreFileSystem pool, String name, VolumeRecord r) {
        LustreVolume v = new LustreVolume();
        String poolName = pool.getMetadata().getName();
        v.setMetadata(new ObjectMetaBuilder()
                .withName(objectName(poolName, name))
                .withNamespace(pool.getMetadata().getNamespace())
                .addToLabels(LABEL_POOL, poolName)
                .addToLabels(LustreFileSystems.LABEL_MANAGED_BY, DriverNames.DRIVER_NAME)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(LustreFileSystem.API_VERSION)
                        .withKind("LustreFileSystem")
                        .withName(poolName)
                        .withUid(pool.getMetadata().getUid())
                        .build())
                .build());
        LustreVolumeSpec s = v.getSpec();
        s.setPool(poolName);
        s.setVolumeName(name);
        s.setState(r.state());
        s.setProjectId(r.projectId());
        s.setCapacityBytes(r.capacityBytes());
        s.setParameters(r.parameters());
        s.setOnDelete(r.onDelete());
        s.setStripeCount(r.stripeCount());
        s.setStripeSize(r.stripeSize());
        s.setDirectoryMode(r.directoryMode());
        s.setMountOptions(r.mountOptions());
        s.setPvc(r.pvc());
        s.setCreatedAt(r.createdAt());
        s.setSourceVolume(r.source());
        return v;
    }

    /**
     * The object name of a volume's record: {@code <pool>.<volume>} when that is a valid object name (volume names
     * from the external-provisioner, {@code pvc-<uid>}, always are); otherwise a lower-cased form with a hash of the
     * exact name, so names differing only in case or in '_' get different objects.
     */
    public static String objectName(String pool, String volume) {
        String plain = pool + "." + volume;
        if (plain.length() <= 253 && DNS_SUBDOMAIN.matcher(plain).matches()) {
            return plain;
        }
        String cleaned = volume.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        String hash = sha256(volume).substring(0, 10);
        return pool + "." + (cleaned.isEmpty() ? "" : cleaned + "-") + hash;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PoolKey key(LustreFileSystem pool) {
        return new PoolKey(pool.getMetadata().getNamespace(), pool.getMetadata().getName());
    }
}
