package dev.lustrecsi.node;

import dev.lustrecsi.csi.StagedFilesets;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.Mounter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's record of the volumes it has staged or published, on its own Node object (annotation
 * {@link StagedFilesets#ANNOTATION}), which the controller reads before it deletes a volume. The record is derived
 * from the mount table (every Lustre mount under the kubelet directory), never kept only in memory: it is written
 * before a stage mounts (so no mount exists that the record does not list), after an unstage, and by a periodic
 * pass that corrects it whenever it differs from the mount table (a plugin restart, a failed write, an admin's
 * edit). RBAC: nodes patch (a JSON merge patch of one annotation), admitted only for the plugin's own Node.
 */
public final class StagedVolumeRecord {
    private static final Logger LOG = LoggerFactory.getLogger(StagedVolumeRecord.class);

    private final Optional<KubernetesClient> client;
    private final String nodeName;
    private final Mounter mounter;
    private final NodePaths paths;
    private final Clock clock;
    private final Duration reassertEvery;
    /** Filesets being staged now: listed before their mount exists. */
    private final Set<String> staging = new HashSet<>();
    /** The value last written to the Node (null: none yet) and when. */
    private String written;

    private Instant writtenAt = Instant.EPOCH;

    /**
     * @param reassertEvery an unchanged record is written again after this long, so an edit by someone else (an
     *                      admin removing the annotation) does not stay wrong; otherwise only changes are written
     */
    public StagedVolumeRecord(
            Optional<KubernetesClient> client,
            String nodeName,
            Mounter mounter,
            NodePaths paths,
            Clock clock,
            Duration reassertEvery) {
        this.client = client;
        this.nodeName = nodeName;
        this.mounter = mounter;
        this.paths = paths;
        this.clock = clock;
        this.reassertEvery = reassertEvery;
    }

    /** No API access (--kubernetes-api=off, or outside a cluster): nothing is recorded. */
    public static StagedVolumeRecord none(Mounter mounter, NodePaths paths) {
        return new StagedVolumeRecord(Optional.empty(), "", mounter, paths, Clock.systemUTC(), Duration.ofMinutes(10));
    }

    /**
     * Runs a stage's mount of {@code fileset} with the fileset recorded first. When the record cannot be written
     * the stage fails with UNAVAILABLE and mounts nothing (kubelet retries): a mount the record does not list is
     * a volume the controller would delete under a running pod.
     */
    public void whileStaging(String fileset, Runnable mount) {
        synchronized (this) {
            staging.add(fileset);
        }
        boolean mounted = false;
        try {
            try {
                write();
            } catch (KubernetesClientException e) {
                throw Status.UNAVAILABLE
                        .withDescription("cannot record on Node " + nodeName + " that " + fileset
                                + " is staged here (so that the volume is not deleted while in use): " + e.getMessage())
                        .asRuntimeException();
            }
            mount.run();
            mounted = true;
        } finally {
            synchronized (this) {
                staging.remove(fileset);
            }
            if (!mounted) {
                correctQuietly();
            }
        }
    }

    /** After an unstage: the record loses the volume now, or at the next periodic pass if the API does not answer. */
    public void afterUnstage() {
        correctQuietly();
    }

    /** The periodic pass: writes the record when it differs from the mount table (throws when the API fails). */
    public void correct() {
        write();
    }

    /** What the record should say now: every Lustre mount under the kubelet directory, plus stages in progress. */
    synchronized Set<String> filesets() {
        Path kubelet = paths.kubeletDir();
        Set<String> out = new TreeSet<>(staging);
        List<MountInfo> table = mounter.mounts();
        for (MountInfo m : table) {
            if (m.mountPoint().startsWith(kubelet)) {
                m.lustreFileset().filter(StagedFilesets::isVolumeFileset).ifPresent(out::add);
            }
        }
        return out;
    }

    private void correctQuietly() {
        try {
            write();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot update the staged volume record on Node {} now: {}", nodeName, e.getMessage());
        }
    }

    private synchronized void write() {
        if (client.isEmpty()) {
            return;
        }
        String value = StagedFilesets.format(filesets());
        Instant now = clock.instant();
        if (value.equals(written) && now.isBefore(writtenAt.plus(reassertEvery))) {
            return;
        }
        Map<String, Object> annotations = new HashMap<>();
        // null removes the annotation (JSON merge patch, RFC 7386): a node with nothing staged carries none.
        annotations.put(StagedFilesets.ANNOTATION, value.isEmpty() ? null : value);
        String patch = client.get()
                .getKubernetesSerialization()
                .asJson(Map.of("metadata", Map.of("annotations", annotations)));
        try {
            client.get().nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            // kubelet registers its Node before it starts plugins; without one there is nothing to record on.
            if (!value.equals(written)) {
                LOG.warn("Node {} not found: cannot record its staged volumes {}", nodeName, value);
            }
        }
        if (!value.equals(written)) {
            LOG.info("Node {} staged volume record: [{}]", nodeName, value);
        }
        written = value;
        writtenAt = now;
    }
}
