package dev.lustrecsi.e2e;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnpublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeUnstageVolumeRequest;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * The kubelet's side of the node plugin: the staging and target paths it chooses (the same layout as
 * kubelet's csi volume plugin) and the Node RPCs it makes when a pod using a PV starts and stops.
 */
public final class Kubelet {
    private final Path root;
    private final Supplier<NodeGrpc.NodeBlockingStub> node;

    public Kubelet(Path root, Supplier<NodeGrpc.NodeBlockingStub> node) {
        this.root = root;
        this.node = node;
    }

    /** {@code <kubelet>/plugins/kubernetes.io/csi/<driver>/<sha256 of the volume handle>/globalmount} */
    public Path stagingPath(PersistentVolume pv) {
        return root.resolve("plugins/kubernetes.io/csi")
                .resolve(DriverNames.DRIVER_NAME)
                .resolve(sha256(pv.getSpec().getCsi().getVolumeHandle()))
                .resolve("globalmount");
    }

    /** {@code <kubelet>/pods/<pod uid>/volumes/kubernetes.io~csi/<pv name>/mount} */
    public Path targetPath(PersistentVolume pv, String podUid) {
        return root.resolve("pods")
                .resolve(podUid)
                .resolve("volumes/kubernetes.io~csi")
                .resolve(pv.getMetadata().getName())
                .resolve("mount");
    }

    public NodeStageVolumeRequest stageRequest(PersistentVolume pv) {
        return NodeStageVolumeRequest.newBuilder()
                .setVolumeId(pv.getSpec().getCsi().getVolumeHandle())
                .setStagingTargetPath(stagingPath(pv).toString())
                .setVolumeCapability(ExternalProvisioner.capability(
                        pv.getSpec().getAccessModes().get(0)))
                .putAllVolumeContext(pv.getSpec().getCsi().getVolumeAttributes())
                .build();
    }

    public NodePublishVolumeRequest publishRequest(PersistentVolume pv, String podUid) {
        return NodePublishVolumeRequest.newBuilder()
                .setVolumeId(pv.getSpec().getCsi().getVolumeHandle())
                .setStagingTargetPath(stagingPath(pv).toString())
                .setTargetPath(targetPath(pv, podUid).toString())
                .setVolumeCapability(ExternalProvisioner.capability(
                        pv.getSpec().getAccessModes().get(0)))
                .putAllVolumeContext(pv.getSpec().getCsi().getVolumeAttributes())
                .build();
    }

    public void stage(PersistentVolume pv) {
        node.get().nodeStageVolume(stageRequest(pv));
    }

    /** Stages (once per node) and publishes into the pod; returns the directory the pod sees. */
    public Path startPod(PersistentVolume pv, String podUid) {
        stage(pv);
        node.get().nodePublishVolume(publishRequest(pv, podUid));
        return targetPath(pv, podUid);
    }

    public void stopPod(PersistentVolume pv, String podUid) {
        node.get()
                .nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder()
                        .setVolumeId(pv.getSpec().getCsi().getVolumeHandle())
                        .setTargetPath(targetPath(pv, podUid).toString())
                        .build());
    }

    public void unstage(PersistentVolume pv) {
        node.get()
                .nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder()
                        .setVolumeId(pv.getSpec().getCsi().getVolumeHandle())
                        .setStagingTargetPath(stagingPath(pv).toString())
                        .build());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
