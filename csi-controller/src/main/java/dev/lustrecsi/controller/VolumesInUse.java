package dev.lustrecsi.controller;

import dev.lustrecsi.csi.StagedFilesets;
import dev.lustrecsi.csi.VolumeId;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.grpc.Status;
import java.util.List;
import java.util.Map;

/**
 * Whether a volume is still staged or published on some node, from the records the node plugins keep on their own
 * Node objects ({@link StagedFilesets#ANNOTATION}, written from each node's mount table): DeleteVolume and the
 * orphan collector refuse with FAILED_PRECONDITION while any node lists the volume, naming the node, so a
 * volume's data is never deleted under a running pod. Read from an informer (one LIST, then a watch), not per
 * call; its cache keeps only each Node's name and annotations, not the whole object (status, images), so a large
 * cluster's Nodes cost little memory. RBAC: nodes list, watch.
 *
 * <p>A Node that is gone takes its record with it; a Node whose plugin is gone for good keeps it, and the
 * volume cannot be deleted until the Node is deleted or the annotation removed (as a VolumeAttachment of a dead
 * node blocks its volume). See docs/decisions/0006-volumes-in-use-on-the-node-object.md.
 */
public final class VolumesInUse implements AutoCloseable {
    /** At most this many node names in a refusal. */
    private static final int NAMED_NODES = 5;

    private final SharedIndexInformer<Node> informer;
    private final java.util.concurrent.CompletionStage<Void> started;

    private VolumesInUse(SharedIndexInformer<Node> informer, java.util.concurrent.CompletionStage<Void> started) {
        this.informer = informer;
        this.started = started;
    }

    /** Starts the informer; calls before its first LIST has completed are answered UNAVAILABLE. */
    public static VolumesInUse watch(KubernetesClient client) {
        SharedIndexInformer<Node> informer = client.nodes().runnableInformer(0);
        informer.itemStore(new ReducedStateItemStore<>(
                ReducedStateItemStore.NAME_KEY_STATE,
                Node.class,
                client.getKubernetesSerialization(),
                "metadata.annotations"));
        return new VolumesInUse(informer, informer.start());
    }

    /** Waits up to {@code timeout} for the first LIST (so a restarted controller does not answer UNAVAILABLE). */
    public VolumesInUse awaitSynced(java.time.Duration timeout) {
        try {
            started.toCompletableFuture().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // Not yet: DeleteVolume answers UNAVAILABLE until it is, and the caller retries.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return this;
    }

    /**
     * Throws FAILED_PRECONDITION when any node lists {@code id} (for a whole filesystem: any directory in it) as
     * staged or published, UNAVAILABLE while the Nodes have not been read yet; returns otherwise.
     */
    public void refuseWhileInUse(VolumeId id) {
        if (!informer.hasSynced()) {
            throw Status.UNAVAILABLE
                    .withDescription("the controller has not yet read which nodes use volume " + id + "; try again")
                    .asRuntimeException();
        }
        List<String> nodes = nodesUsing(id);
        if (!nodes.isEmpty()) {
            String named = String.join(", ", nodes.subList(0, Math.min(NAMED_NODES, nodes.size())))
                    + (nodes.size() > NAMED_NODES ? " and " + (nodes.size() - NAMED_NODES) + " more" : "");
            throw Status.FAILED_PRECONDITION
                    .withDescription("volume " + id + " is still staged or published on node"
                            + (nodes.size() > 1 ? "s " : " ")
                            + named + " (annotation " + StagedFilesets.ANNOTATION + "); unpublish and unstage it"
                            + " there first (a Node that is gone for good: delete the Node object)")
                    .asRuntimeException();
        }
    }

    /** The nodes whose record lists the volume, by name. */
    List<String> nodesUsing(VolumeId id) {
        return informer.getStore().list().stream()
                .filter(n -> uses(n, id))
                .map(n -> n.getMetadata().getName())
                .sorted()
                .toList();
    }

    private static boolean uses(Node node, VolumeId id) {
        Map<String, String> annotations = node.getMetadata().getAnnotations();
        if (annotations == null) {
            return false;
        }
        return StagedFilesets.parse(annotations.get(StagedFilesets.ANNOTATION)).stream()
                .anyMatch(staged -> StagedFilesets.uses(staged, id));
    }

    @Override
    public void close() {
        informer.close();
    }
}
