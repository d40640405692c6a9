package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Reads and writes LustreFileSystem resources for the controller, with conflict-safe updates. */
public final class LustreFileSystems {
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

    public LustreFileSystems(KubernetesClient client) {
        this.client = client;
    }

    private MixedOperation<LustreFileSystem, KubernetesResourceList<LustreFileSystem>, Resource<LustreFileSystem>>
            crs() {
        return client.resources(LustreFileSystem.class);
    }

    public Optional<LustreFileSystem> get(String namespace, String name) {
        return Optional.ofNullable(crs().inNamespace(namespace).withName(name).get());
    }

    /**
     * The filesystem a managed volume id names, while it still carries the id's fsname (one recreated under the same
     * name with another fsname is another filesystem: the id's volume is gone).
     */
    public Optional<LustreFileSystem> named(VolumeId id) {
        return get(id.namespace(), id.filesystem())
                .filter(f ->
                        f.getSpec() != null && id.fsName().equals(f.getSpec().getFsName()));
    }

    /** Creates it, or returns the one that already exists under that name (created by a concurrent call). */
    public LustreFileSystem createOrGet(LustreFileSystem desired) {
        String ns = desired.getMetadata().getNamespace();
        lastListing = null;
        try {
            return crs().inNamespace(ns).resource(desired).create();
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
                return crs().inNamespace(namespace).resource(changed).update();
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
