package dev.lustrecsi.provisioner.iostats;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Maps a jobstats job id to the pod that made the requests, and the pod to the PVCs it mounts from one
 * LustreFileSystem. Job ids are {@code <namespace>/<pod>}: the node plugin sets {@code jobid_var=LUSTRE_JOBID}
 * and pods set {@code LUSTRE_JOBID=$(POD_NAMESPACE)/$(POD_NAME)} from the downward API. Lustre keeps at most 31
 * bytes of a job id, so a longer one arrives cut; it is attributed when exactly one live pod's
 * {@code namespace/name} starts with it, and otherwise not at all.
 *
 * <p>A PVC belongs to the filesystem when its PV is one of this driver's with a volume handle
 * {@code v1:<namespace>:<resource>:<fsname>:<subdir>} naming the filesystem's namespace and resource (the format
 * of csi-api's {@code VolumeId}; parsed here, not linked, to keep gRPC out of the operator).
 */
public final class PodVolumes {
    static final String DRIVER = "lustre.csi.lustrecsi.dev";
    static final int MAX_JOB_ID_BYTES = 31;

    /** A pod that did I/O, and the PVCs of the filesystem it mounts (sorted). */
    public record PodRef(String namespace, String pod, List<String> claims) {}

    private final Map<String, Pod> pods = new HashMap<>();
    private final Map<String, String> claimToPv = new HashMap<>();
    private final Map<String, PersistentVolume> pvs = new HashMap<>();

    private PodVolumes() {}

    /** One consistent read of pods, claims and volumes for a polling round. */
    public static PodVolumes read(KubernetesClient client) {
        PodVolumes v = new PodVolumes();
        for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
            v.pods.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
        }
        for (PersistentVolumeClaim c :
                client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
            if (c.getSpec() != null && c.getSpec().getVolumeName() != null) {
                v.claimToPv.put(
                        c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(),
                        c.getSpec().getVolumeName());
            }
        }
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            v.pvs.put(pv.getMetadata().getName(), pv);
        }
        return v;
    }

    public boolean hasPod(String namespace, String name) {
        return pods.containsKey(namespace + "/" + name);
    }

    public boolean hasClaim(String namespace, String name) {
        return claimToPv.containsKey(namespace + "/" + name);
    }

    /** The pod a job id names, if it is alive (exactly, or as the unique match of a job id Lustre cut short). */
    public Optional<Pod> pod(String jobId) {
        Pod exact = pods.get(jobId);
        if (exact != null) {
            return Optional.of(exact);
        }
        if (jobId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MAX_JOB_ID_BYTES
                || jobId.indexOf('/') < 1) {
            return Optional.empty();
        }
        List<Pod> matches = new ArrayList<>();
        pods.forEach((key, p) -> {
            if (key.startsWith(jobId)) {
                matches.add(p);
            }
        });
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** The pod behind a job id with the PVCs it mounts from the filesystem {@code fsNamespace/fsResource}. */
    public Optional<PodRef> resolve(String jobId, String fsNamespace, String fsResource) {
        return pod(jobId).map(p -> {
            TreeSet<String> claims = new TreeSet<>();
            String ns = p.getMetadata().getNamespace();
            if (p.getSpec() != null && p.getSpec().getVolumes() != null) {
                for (Volume vol : p.getSpec().getVolumes()) {
                    if (vol.getPersistentVolumeClaim() == null) {
                        continue;
                    }
                    String claim = vol.getPersistentVolumeClaim().getClaimName();
                    PersistentVolume pv = pvs.get(claimToPv.get(ns + "/" + claim));
                    if (pv != null && onFilesystem(pv, fsNamespace, fsResource)) {
                        claims.add(claim);
                    }
                }
            }
            return new PodRef(ns, p.getMetadata().getName(), List.copyOf(claims));
        });
    }

    static boolean onFilesystem(PersistentVolume pv, String fsNamespace, String fsResource) {
        if (pv.getSpec() == null
                || pv.getSpec().getCsi() == null
                || !DRIVER.equals(pv.getSpec().getCsi().getDriver())) {
            return false;
        }
        String[] parts = String.valueOf(pv.getSpec().getCsi().getVolumeHandle()).split(":", -1);
        return parts.length == 5
                && parts[0].equals("v1")
                && parts[1].equals(fsNamespace)
                && parts[2].equals(fsResource);
    }
}
