package dev.lustrecsi.controller;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.server.GrpcErrors;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeContentSource;
import dev.lustrecsi.lustre.CommandFailedException;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.VolumeState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared-pool clones (CSI {@code CLONE_VOLUME}): a CreateVolume with a {@code volume_content_source} naming a
 * volume of the same pool makes a new volume (its own directory, project id and quota, reserved and made by
 * {@link SharedPoolVolumes} exactly as for an empty volume) and copies the source's tree into it.
 *
 * <p>The copy can take hours, so it runs here, asynchronously, and its state lives in the volume's record
 * ({@link VolumeRecord#source()}, state {@code Cloning}): a CreateVolume that finds the copy running waits a
 * bounded time ({@link #ANSWER_WITHIN}) and then answers ABORTED, the CSI spec's "operation pending" code, so the
 * CO retries; it answers with the volume only once the record is Ready. A retry that finds a {@code Cloning}
 * record and no copy running in this process (the controller restarted) starts the copy again. A copy that fails
 * is reported to the next CreateVolume and removed (its tree, quota and record), so the retry after that starts
 * afresh. The source cannot be deleted while a clone of it is not finished ({@link #refuseWhileCloned}, decided
 * in the same step as the clone's reservation, so neither can slip past the other).
 *
 * <p>Only the replica whose external-provisioner leads receives CreateVolume calls, so only it copies.
 */
public final class VolumeClones implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeClones.class);

    /** A copy running longer is killed and reported failed (then removed; the CO's retry starts it again). */
    static final Duration COPY_TIMEOUT = Duration.ofHours(24);
    /**
     * How long a CreateVolume waits for a running copy before answering ABORTED: well inside the
     * external-provisioner's default 10 s call timeout, so small clones are answered in the first call.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    /** Copies at once; more wait for a thread (their CreateVolume answers ABORTED meanwhile). */
    private static final int MAX_COPIES = 4;

    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    /** One copy job of this process. */
    private static final class Copy {
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile Future<?> task;
        volatile boolean started;
        volatile boolean stopped;
    }

    private final SharedPoolVolumes shared;
    private final VolumeRecords records;
    private final VolumeDirectories directories;
    private final ExecutorService copiers;
    /** Copies of this process by volume lock key. */
    private final ConcurrentHashMap<String, Copy> copies = new ConcurrentHashMap<>();
    /** Failed copies not yet reported, by volume lock key (reported once, to the next CreateVolume). */
    private final ConcurrentHashMap<String, StatusRuntimeException> failures = new ConcurrentHashMap<>();

    public VolumeClones(SharedPoolVolumes shared, VolumeRecords records, VolumeDirectories directories) {
        this.shared = shared;
        this.records = records;
        this.directories = directories;
        this.copiers = Executors.newFixedThreadPool(MAX_COPIES, r -> {
            Thread t = new Thread(r, "volume-clone-copy");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * CreateVolume of {@code request} from volume {@code sourceText}, with the volume's lock held.
     *
     * @param sizeGiven whether the request set {@code required_bytes} (if not, the clone is the source's size)
     */
    Volume create(VolumeKind.NewVolume request, String sourceText, boolean sizeGiven) {
        if (request.params().mode() != StorageClassParameters.Mode.SHARED) {
            throw invalid("a dedicated-filesystem volume cannot be created from another volume: only shared-pool"
                    + " volumes can be cloned (see the controller README)");
        }
        VolumeId source = VolumeId.tryParse(sourceText)
                .orElseThrow(() -> notFound("source volume " + GrpcErrors.quote(sourceText, 80) + " does not exist"));
        if (!source.isManaged()) {
            throw invalid("source volume " + source + " is a static volume on a filesystem this driver does not"
                    + " manage: it cannot be cloned");
        }
        if (source.isWholeFilesystem()) {
            throw invalid("source volume " + source + " is a dedicated filesystem: dedicated volumes cannot be"
                    + " cloned (a copy would need a second filesystem of the same size; see the controller README)");
        }
        String namespace = request.namespace();
        String pool = request.params().pool();
        if (!source.namespace().equals(namespace) || !source.filesystem().equals(pool)) {
            throw invalid("source volume " + source + " is on pool " + source.namespace() + "/" + source.filesystem()
                    + ", the new volume on pool " + namespace + "/" + pool
                    + ": a clone is a copy within one pool (use the source's StorageClass)");
        }
        String name = request.name();
        String key = namespace + "/" + pool + "/" + name;
        StatusRuntimeException failed = failures.remove(key);
        if (failed != null) {
            throw failed;
        }
        Optional<VolumeRecord> existing = records.get(namespace, pool, name);
        if (existing.isPresent()) {
            VolumeRecord r = existing.get();
            requireSameSource(name, r, source.subdir());
            if (r.state() == VolumeState.Ready) {
                return answer(shared.create(request.asCloneOf(source.subdir(), sized(request, sizeGiven, r))), source);
            }
            if (r.state() == VolumeState.Cloning) {
                return awaitCopy(key, request, source, sizeGiven);
            }
            // Creating (a reservation to finish) or Deleting (SharedPoolVolumes answers ABORTED): as for a new one.
        }
        if (shared.describe(source).isEmpty()) {
            throw notFound("source volume " + source + " does not exist");
        }
        VolumeRecord from = records.get(namespace, pool, source.subdir())
                .orElseThrow(() -> notFound("source volume " + source + " does not exist"));
        if (!from.parameters().equals(request.fingerprint())) {
            throw invalid("source volume " + source + " was created with other StorageClass parameters: a clone"
                    + " uses the source's StorageClass");
        }
        long bytes = sized(request, sizeGiven, from);
        if (bytes < from.capacityBytes() || request.limitBytes() > 0 && request.limitBytes() < from.capacityBytes()) {
            throw Status.OUT_OF_RANGE
                    .withDescription("volume " + name + " would have " + bytes + " bytes (limit "
                            + request.limitBytes() + "), less than its source " + source + ": "
                            + from.capacityBytes() + " bytes")
                    .asRuntimeException();
        }
        // Reserves the project id and size, checks the source again in that same decision, makes the directory,
        // project id and quota (before any data), and writes the record Cloning.
        shared.create(request.asCloneOf(source.subdir(), bytes));
        return awaitCopy(key, request, source, sizeGiven);
    }

    /** The clone's size: what was asked for, or (nothing asked for) at least the source's. */
    private static long sized(VolumeKind.NewVolume request, boolean sizeGiven, VolumeRecord source) {
        return sizeGiven ? request.capacityBytes() : Math.max(request.capacityBytes(), source.capacityBytes());
    }

    /** Starts the copy unless it runs, waits for it a bounded time, and answers the volume or ABORTED. */
    private Volume awaitCopy(String key, VolumeKind.NewVolume request, VolumeId source, boolean sizeGiven) {
        String namespace = request.namespace();
        String pool = request.params().pool();
        String name = request.name();
        Copy copy = copies.compute(
                key,
                (k, running) -> running == null || running.ended.isDone() ? start(k, namespace, pool, name) : running);
        try {
            copy.ended.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Still copying: answered below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // The job reports through failures.
        }
        StatusRuntimeException failed = failures.remove(key);
        if (failed != null) {
            throw failed;
        }
        Optional<VolumeRecord> now = records.get(namespace, pool, name);
        if (now.isPresent() && now.get().state() == VolumeState.Ready) {
            return answer(
                    shared.create(request.asCloneOf(source.subdir(), sized(request, sizeGiven, now.get()))), source);
        }
        throw Status.ABORTED
                .withDescription("operation pending: volume " + name + " is being copied from " + source.subdir()
                        + " (a retry answers once the copy is done)")
                .asRuntimeException();
    }

    private Copy start(String key, String namespace, String pool, String name) {
        Copy copy = new Copy();
        copy.task = copiers.submit(() -> run(copy, key, namespace, pool, name));
        return copy;
    }

    private void run(Copy copy, String key, String namespace, String pool, String name) {
        copy.started = true;
        Path root = null;
        VolumeRecord record = null;
        try {
            if (copy.stopped) {
                return;
            }
            root = shared.usableRoot(namespace, pool);
            record = records.get(namespace, pool, name).orElse(null);
            if (record == null || record.state() != VolumeState.Cloning || record.source() == null) {
                return; // finished, failed or deleted meanwhile
            }
            long began = System.nanoTime();
            LOG.info("volume {}/{}/{}: copying volume {} into it", namespace, pool, name, record.source());
            directories.copyInto(root, record.source(), name, record, COPY_TIMEOUT);
            if (copy.stopped) {
                return;
            }
            long projectId = record.projectId();
            VolumeRecord done = records.update(poolResource(namespace, pool), name, volumes -> {
                VolumeRecord r = volumes.get(name);
                return r != null && r.state() == VolumeState.Cloning && r.projectId() == projectId
                        ? r.withState(VolumeState.Ready)
                        : r;
            });
            LOG.info(
                    "volume {}/{}/{} cloned from {} in {} ms: {}",
                    namespace,
                    pool,
                    name,
                    record.source(),
                    (System.nanoTime() - began) / 1_000_000,
                    done == null ? "removed meanwhile" : done.state());
        } catch (RuntimeException e) {
            if (copy.stopped) {
                LOG.info("volume {}/{}/{}: copy stopped", namespace, pool, name);
            } else if (root == null || record == null) {
                // The pool is not usable (or the API did not answer): nothing was copied; the retry starts again.
                failures.put(key, GrpcErrors.asStatus(e));
            } else {
                failed(key, namespace, pool, name, root, record, e);
            }
        } catch (Error e) {
            failures.put(key, Status.INTERNAL.withDescription("copy failed").asRuntimeException());
            throw e;
        } finally {
            copy.ended.complete(null);
            copies.remove(key, copy);
        }
    }

    /** Reports a failed copy (to the next CreateVolume) and removes the partial clone. */
    private void failed(
            String key, String namespace, String pool, String name, Path root, VolumeRecord record, Exception e) {
        String why = e instanceof CommandFailedException cf
                ? cf.result().stderr().isBlank()
                        ? "exit " + cf.result().exitCode() + (cf.result().timedOut() ? " (timed out)" : "")
                        : cf.result().stderr().strip()
                : e.getMessage();
        Status.Code code = why != null && (why.contains("No space left") || why.contains("quota exceeded"))
                ? Status.Code.RESOURCE_EXHAUSTED
                : Status.Code.INTERNAL;
        StatusRuntimeException status = Status.fromCode(code)
                .withDescription(GrpcErrors.bounded("copying volume " + record.source() + " into " + name
                        + " failed; the partial copy was removed and a retry copies again: " + why))
                .asRuntimeException();
        failures.put(key, status);
        LOG.warn(
                "volume {}/{}/{}: {}", namespace, pool, name, status.getStatus().getDescription());
        try {
            directories.discard(root, name, record.projectId());
            long projectId = record.projectId();
            records.update(poolResource(namespace, pool), name, volumes -> {
                VolumeRecord r = volumes.get(name);
                return r != null && r.state() == VolumeState.Cloning && r.projectId() == projectId ? null : r;
            });
            shared.reconcilePool(namespace, pool);
        } catch (RuntimeException cleanup) {
            // The record stays Cloning: the next CreateVolume starts the copy again (over an emptied directory).
            LOG.warn(
                    "volume {}/{}/{}: removing the failed clone failed: {}", namespace, pool, name, cleanup.toString());
        }
    }

    private LustreFileSystem poolResource(String namespace, String pool) {
        return shared.pool(namespace, pool)
                .orElseThrow(() -> new IllegalStateException("pool " + namespace + "/" + pool + " is gone"));
    }

    /**
     * Stops this process's copy into {@code id}, if one runs, before the volume is deleted (called with the
     * volume's lock held). A copy that does not stop in time makes the delete UNAVAILABLE (retried).
     */
    void stop(VolumeId id) {
        if (!id.isManaged() || id.isWholeFilesystem()) {
            return;
        }
        String key = VolumeKinds.lockKey(id);
        failures.remove(key);
        Copy copy = copies.get(key);
        if (copy == null) {
            return;
        }
        copy.stopped = true;
        if (copy.task != null) {
            copy.task.cancel(true);
        }
        if (!copy.started) {
            copy.ended.complete(null); // cancelled before it ran
        }
        try {
            copy.ended.get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.UNAVAILABLE
                    .withDescription("interrupted while stopping the copy into " + id)
                    .asRuntimeException();
        } catch (ExecutionException | TimeoutException e) {
            throw Status.UNAVAILABLE
                    .withDescription("the copy into volume " + id + " is still stopping; retry")
                    .asRuntimeException();
        }
        copies.remove(key, copy);
    }

    /** Stops every copy (their processes are killed); a restarted controller copies again on the CO's retry. */
    @Override
    public void close() {
        copies.values().forEach(c -> c.stopped = true);
        copiers.shutdownNow();
        try {
            copiers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ rules SharedPoolVolumes applies

    /** A name already taken by a volume of another content source (or none) is ALREADY_EXISTS (CSI spec). */
    static void requireSameSource(String name, VolumeRecord existing, String source) {
        if (!Objects.equals(existing.source(), source)) {
            throw Status.ALREADY_EXISTS
                    .withDescription("volume " + name + " exists " + describeSource(existing.source()) + ", not "
                            + describeSource(source))
                    .asRuntimeException();
        }
    }

    private static String describeSource(String source) {
        return source == null ? "as an empty volume" : "as a clone of " + source;
    }

    /** In the reservation's decision: the source of a new clone exists and is Ready. */
    static void requireSourceReady(VolumeRecords.PoolVolumes volumes, String source) {
        if (source == null) {
            return;
        }
        VolumeRecord from = volumes.get(source);
        if (from == null || from.state() == VolumeState.Deleting) {
            throw notFound("source volume " + source + " does not exist");
        }
        if (from.state() != VolumeState.Ready) {
            throw Status.UNAVAILABLE
                    .withDescription(
                            "source volume " + source + " is " + from.state() + "; it can be cloned once it is Ready")
                    .asRuntimeException();
        }
    }

    /**
     * In DeleteVolume's decision: a volume being cloned is not deleted (FAILED_PRECONDITION, the CSI spec's code
     * for a volume in use by another resource) until its clones are copied.
     */
    static void refuseWhileCloned(VolumeRecords.PoolVolumes volumes, VolumeId id) {
        Set<String> clones = volumes.clonesInProgressOf(id.subdir());
        if (!clones.isEmpty()) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("volume " + id + " is being cloned into "
                            + String.join(
                                    ", ", clones.stream().sorted().limit(5).toList())
                            + (clones.size() > 5 ? " and " + (clones.size() - 5) + " more" : "")
                            + "; it can be deleted once the copy is done")
                    .asRuntimeException();
        }
    }

    private static Volume answer(Volume volume, VolumeId source) {
        return volume.toBuilder()
                .setContentSource(VolumeContentSource.newBuilder()
                        .setVolume(VolumeContentSource.VolumeSource.newBuilder().setVolumeId(source.encode())))
                .build();
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
