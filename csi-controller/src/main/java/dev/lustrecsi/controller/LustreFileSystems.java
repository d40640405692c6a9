package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Reads and writes LustreFileSystem resources for the controller, with conflict-safe updates. With {@link #watch}
 * it also keeps them in memory, so a create or delete does not read its pool from the API server each time.
 */
public final class LustreFileSystems implements AutoCloseable {
    /** Labels and annotations the controller puts on the filesystems it creates. */
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

    public static final String LABEL_ROLE = "lustre.csi.lustrecsi.dev/role";
    public static final String ROLE_POOL = "pool";
    public static final String ROLE_DEDICATED = "dedicated";
    public static final String ANNOTATION_VOLUME = "lustre.csi.lustrecsi.dev/volume-name";
    public static final String ANNOTATION_PARAMETERS = "lustre.csi.lustrecsi.dev/parameters";
    public static final String ANNOTATION_CAPACITY = "lustre.csi.lustrecsi.dev/capacity-bytes";
    public static final String ANNOTATION_MOUNT_OPTIONS = "lustre.csi.lustrecsi.dev/mount-options";
    /** {@code namespace/name} of the claim a dedicated filesystem was created for. */
    public static final String ANNOTATION_PVC = "lustre.csi.lustrecsi.dev/pvc";
    /** Set once CreateVolume answered with the filesystem: it belongs to a PV from then on. */
    public static final String ANNOTATION_PROVISIONED = "lustre.csi.lustrecsi.dev/provisioned";

    /** Phases in which clients can mount and use the filesystem. */
    public static final Set<Phase> USABLE = EnumSet.of(Phase.Ready, Phase.Scaling, Phase.Upgrading);

    private static final int MAX_ATTEMPTS = 50;
    /** How long the continuation pages of one ListVolumes listing may reuse the filesystems its first page read. */
    static final Duration LISTING_REUSE = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private volatile Listing lastListing;
    /** Every LustreFileSystem as the watch last delivered it, once {@link #watch} started it (else null). */
    private volatile SharedIndexInformer<LustreFileSystem> informer;
    /** What this process wrote, by namespace/name: newer than the watch's copy until the watch delivers it. */
    private final ConcurrentHashMap<String, Written> written = new ConcurrentHashMap<>();

    /** One of this process's writes, and when: trusted over the watch for {@link #OWN_WRITE_TRUST} at most. */
    private record Written(LustreFileSystem fs, long atNanos) {}

    static final Duration OWN_WRITE_TRUST = Duration.ofSeconds(30);

    public LustreFileSystems(KubernetesClient client) {
        this.client = client;
    }

    private MixedOperation<LustreFileSystem, KubernetesResourceList<LustreFileSystem>, Resource<LustreFileSystem>>
            crs() {
        return client.resources(LustreFileSystem.class);
    }

    /** A fresh read from the API server. */
    public Optional<LustreFileSystem> get(String namespace, String name) {
        return Optional.ofNullable(crs().inNamespace(namespace).withName(name).get());
    }

    /**
     * The filesystem a managed volume id names, while it still carries the id's fsname (one recreated under the same
     * name with another fsname is another filesystem: the id's volume is gone).
     */
    public Optional<LustreFileSystem> named(VolumeId id) {
        return get(id.namespace(), id.filesystem()).filter(carries(id));
    }

    /**
     * As {@link #named}, but from the watch (no API call) when its copy carries the id's fsname and also passes
     * {@code also}; otherwise a fresh read, so "gone" or "not usable" is always the API server's answer.
     */
    public Optional<LustreFileSystem> seen(VolumeId id, Predicate<LustreFileSystem> also) {
        return current(id.namespace(), id.filesystem(), carries(id).and(also)).filter(carries(id));
    }

    private static Predicate<LustreFileSystem> carries(VolumeId id) {
        return f -> f.getSpec() != null && id.fsName().equals(f.getSpec().getFsName());
    }

    /**
     * Keeps every LustreFileSystem in memory from here on (one LIST, then a watch), so {@link #current} answers
     * without an API call; waits up to {@code timeout} for the first LIST. Returns this.
     */
    public LustreFileSystems watch(Duration timeout) {
        SharedIndexInformer<LustreFileSystem> started = crs().inAnyNamespace().runnableInformer(0);
        started.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(LustreFileSystem obj) {}

            @Override
            public void onUpdate(LustreFileSystem oldObj, LustreFileSystem newObj) {}

            @Override
            public void onDelete(LustreFileSystem obj, boolean deletedFinalStateUnknown) {
                written.remove(key(obj));
            }
        });
        try {
            started.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            started.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot watch the LustreFileSystems: " + e, e);
        }
        informer = started;
        return this;
    }

    /**
     * The filesystem as last seen, for a decision that a later conflict-checked write or a fresh wait corrects if it
     * is stale (a create's pool: its sizing, its status until {@link #awaitUsable} reads again): from the watch
     * (without an API call) when it holds one that {@code fits}; otherwise read fresh, so that "absent" or "not
     * what the caller expects" is always the API server's answer, never a watch that has not caught up. Without
     * {@link #watch}, a fresh read.
     */
    public Optional<LustreFileSystem> current(String namespace, String name, Predicate<LustreFileSystem> fits) {
        SharedIndexInformer<LustreFileSystem> watching = informer;
        if (watching != null && watching.hasSynced()) {
            LustreFileSystem seen = newest(watching.getStore().getByKey(namespace + "/" + name), namespace, name);
            if (seen != null && fits.test(seen)) {
                return Optional.of(seen);
            }
        }
        return get(namespace, name);
    }

    /** The watch's copy or this process's own last write of it, whichever is newer. */
    private LustreFileSystem newest(LustreFileSystem watched, String namespace, String name) {
        Written mine = written.get(namespace + "/" + name);
        if (mine == null) {
            return watched;
        }
        LustreFileSystem own = mine.fs();
        // Once the watch has the write (or a newer or another incarnation), or it never came: the watch's copy.
        if (System.nanoTime() - mine.atNanos() > OWN_WRITE_TRUST.toNanos()
                || watched != null
                        && (!java.util.Objects.equals(
                                        watched.getMetadata().getUid(),
                                        own.getMetadata().getUid())
                                || version(watched) >= version(own))) {
            written.remove(namespace + "/" + name, mine);
            return watched;
        }
        return own;
    }

    private void wrote(LustreFileSystem fs) {
        if (informer != null && fs != null && fs.getMetadata() != null) {
            written.put(key(fs), new Written(fs, System.nanoTime()));
        }
    }

    private static String key(LustreFileSystem fs) {
        return fs.getMetadata().getNamespace() + "/" + fs.getMetadata().getName();
    }

    private static long version(LustreFileSystem fs) {
        try {
            return Long.parseLong(fs.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return -1;
        }
    }

    /** Stops the watch, if {@link #watch} started one. */
    @Override
    public void close() {
        SharedIndexInformer<LustreFileSystem> watching = informer;
        if (watching != null) {
            informer = null;
            watching.close();
        }
    }

    /** Creates it, or returns the one that already exists under that name (created by a concurrent call). */
    public LustreFileSystem createOrGet(LustreFileSystem desired) {
        String ns = desired.getMetadata().getNamespace();
        lastListing = null;
        try {
            LustreFileSystem created = crs().inNamespace(ns).resource(desired).create();
            wrote(created);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return get(ns, desired.getMetadata().getName()).orElseThrow(() -> e);
        }
    }

    /**
     * Every LustreFileSystem as one LIST saw them, for ListVolumes: its pages then describe volumes from memory, the
     * records' view and this, instead of reading each page's pools and dedicated filesystems from the API server.
     */
    public record Listing(long takenAtNanos, java.util.Map<String, LustreFileSystem> byKey) {
        Listing(long takenAtNanos, List<LustreFileSystem> all) {
            this(takenAtNanos, index(all));
        }

        private static java.util.Map<String, LustreFileSystem> index(List<LustreFileSystem> all) {
            java.util.Map<String, LustreFileSystem> byKey = new java.util.HashMap<>();
            for (LustreFileSystem fs : all) {
                byKey.put(
                        fs.getMetadata().getNamespace() + "/" + fs.getMetadata().getName(), fs);
            }
            return java.util.Collections.unmodifiableMap(byKey);
        }

        public Optional<LustreFileSystem> get(String namespace, String name) {
            return Optional.ofNullable(byKey.get(namespace + "/" + name));
        }

        /** The dedicated volumes' filesystems, as {@link LustreFileSystems#listDedicated()} selects them. */
        public List<LustreFileSystem> dedicated() {
            return byKey.values().stream()
                    .filter(fs -> fs.getMetadata().getLabels() != null
                            && ROLE_DEDICATED.equals(
                                    fs.getMetadata().getLabels().get(LABEL_ROLE)))
                    .toList();
        }
    }

    /**
     * The filesystems for one page of a listing. The first page ({@code fresh}) reads them (one LIST); the pages
     * that continue it reuse that read for up to {@link #LISTING_REUSE}, as a paginated LIST serves one snapshot.
     * So a page costs no API call, and a listing shows each pool's state as of its start, except that a change this
     * process makes to a filesystem (a dedicated volume created or deleted between pages) ends the reuse.
     */
    public Listing listing(boolean fresh) {
        Listing last = lastListing;
        long now = System.nanoTime();
        if (!fresh && last != null && now - last.takenAtNanos() < LISTING_REUSE.toNanos()) {
            return last;
        }
        Listing read = new Listing(now, crs().inAnyNamespace().list().getItems());
        lastListing = read;
        return read;
    }

    /** Dedicated-volume filesystems the driver created, in every namespace it can see. */
    public List<LustreFileSystem> listDedicated() {
        return crs().inAnyNamespace()
                .withLabel(LABEL_ROLE, ROLE_DEDICATED)
                .list()
                .getItems();
    }

    /**
     * Read-modify-write with the resourceVersion read, retried on conflicts (the operator writes the same
     * object). {@code change} returns the object to write, or null to leave it as it is.
     */
    public LustreFileSystem update(String namespace, String name, UnaryOperator<LustreFileSystem> change) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            LustreFileSystem current = get(namespace, name)
                    .orElseThrow(() ->
                            new IllegalStateException("LustreFileSystem " + namespace + "/" + name + " disappeared"));
            LustreFileSystem changed = change.apply(current);
            if (changed == null) {
                return current;
            }
            lastListing = null;
            try {
                LustreFileSystem updated =
                        crs().inNamespace(namespace).resource(changed).update();
                wrote(updated);
                return updated;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("LustreFileSystem " + namespace + "/" + name + " kept changing; gave up");
    }

    public void delete(LustreFileSystem fs) {
        lastListing = null;
        written.remove(key(fs));
        crs().inNamespace(fs.getMetadata().getNamespace())
                .withName(fs.getMetadata().getName())
                .delete();
    }

    /**
     * Waits, up to {@code wait}, until the filesystem is in a usable phase with MGS NIDs. Returns its latest
     * state either way; callers check {@link #usable}.
     */
    public Optional<LustreFileSystem> awaitUsable(String namespace, String name, Duration wait, Duration poll) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<LustreFileSystem> fs = get(namespace, name);
            if (fs.isEmpty() || usable(fs.get()) || System.nanoTime() >= deadline) {
                return fs;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(poll.toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return get(namespace, name);
            }
        }
    }

    /**
     * Waits, up to {@code wait}, until the operator reports at least {@code osts} OSTs Ready (status.readyOsts: the
     * targets formatted, mounted and counted in the capacity). Returns whether it did.
     */
    public boolean awaitReadyOsts(String namespace, String name, int osts, Duration wait, Duration poll) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<LustreFileSystem> fs = get(namespace, name);
            if (fs.isPresent() && readyOsts(fs.get()) >= osts) {
                return true;
            }
            if (fs.isEmpty() || System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(poll.toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    public static int readyOsts(LustreFileSystem fs) {
        return fs.getStatus() == null || fs.getStatus().getReadyOsts() == null
                ? 0
                : fs.getStatus().getReadyOsts();
    }

    public static boolean usable(LustreFileSystem fs) {
        return fs.getStatus() != null
                && fs.getStatus().getPhase() != null
                && USABLE.contains(fs.getStatus().getPhase())
                && fs.getStatus().getMgsNids() != null
                && !fs.getStatus().getMgsNids().isEmpty();
    }

    public static String describe(LustreFileSystem fs) {
        String phase = fs.getStatus() == null || fs.getStatus().getPhase() == null
                ? "Pending"
                : fs.getStatus().getPhase().name();
        return "LustreFileSystem " + fs.getMetadata().getNamespace() + "/"
                + fs.getMetadata().getName() + " is " + phase;
    }
}
