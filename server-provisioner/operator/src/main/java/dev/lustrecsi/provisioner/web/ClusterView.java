package dev.lustrecsi.provisioner.web;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.Labels;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the status page shows, from the operator's informer caches ({@link ClusterCache}: no request to the API server
 * per page): the LustreFileSystems, the KubeVirt status of each server, and the CSI volumes bound on each
 * filesystem.
 */
public final class ClusterView {
    /** The CSI driver's name (csi-api's DriverNames): PVs of other drivers are not ours to show. */
    static final String CSI_DRIVER = "lustre.csi.lustrecsi.dev";

    /** One server as its status and KubeVirt see it; {@code vmStatus}/{@code vmiPhase} are "-" when absent. */
    public record Server(ServerStatus status, String vmStatus, String vmiPhase) {}

    /** A CSI volume on a filesystem: its PV, the claim bound to it, and its directory (empty: the whole fs). */
    public record Volume(
            String pv, String claimNamespace, String claimName, String capacity, String pvPhase, String directory) {}

    public record FileSystem(LustreFileSystem resource, List<Server> servers, List<Volume> volumes) {}

    private ClusterView() {}

    /** The view now, from the caches (empty until their first LIST is in). */
    public static List<FileSystem> read(ClusterCache cache) {
        List<LustreFileSystem> all = new ArrayList<>(cache.fileSystems());
        all.sort(Comparator.comparing((LustreFileSystem f) -> f.getMetadata().getNamespace())
                .thenComparing(f -> f.getMetadata().getName()));
        Map<String, List<Volume>> volumes = volumesByFilesystem(cache.volumes());
        Map<String, String> vmStatus = byServer(
                cache.vms(),
                vm -> vm.getStatus() == null ? null : vm.getStatus().getPrintableStatus(),
                "Unknown");
        Map<String, String> vmiPhase = byServer(
                cache.vmis(),
                vmi -> vmi.getStatus() == null ? null : vmi.getStatus().getPhase(),
                "Pending");
        List<FileSystem> out = new ArrayList<>();
        for (LustreFileSystem fs : all) {
            String ns = fs.getMetadata().getNamespace();
            String name = fs.getMetadata().getName();
            List<Server> servers = new ArrayList<>();
            if (fs.getStatus() != null) {
                for (ServerStatus s : fs.getStatus().getServers()) {
                    String key = ns + "/" + name + "/" + s.getName();
                    servers.add(new Server(s, vmStatus.getOrDefault(key, "-"), vmiPhase.getOrDefault(key, "-")));
                }
            }
            out.add(new FileSystem(fs, servers, volumes.getOrDefault(ns + "/" + name, List.of())));
        }
        return out;
    }

    /** What {@code state} says of each VM or VMI ({@code absent} where it says nothing yet), by {@link #serverKey}. */
    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Map<String, String> byServer(
            Collection<T> objects, Function<T, String> state, String absent) {
        Map<String, String> out = new HashMap<>();
        for (T o : objects) {
            String s = state.apply(o);
            out.put(serverKey(o), s == null ? absent : s);
        }
        return out;
    }

    /** A server VM's or VMI's {@code namespace/filesystem/name} (its filesystem from the label). */
    private static String serverKey(io.fabric8.kubernetes.api.model.HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels();
        String fs = labels == null ? "" : labels.getOrDefault(Labels.FILESYSTEM, "");
        return o.getMetadata().getNamespace() + "/" + fs + "/" + o.getMetadata().getName();
    }

    /** Our PVs keyed by the {@code namespace/name} of the LustreFileSystem their volume handle names. */
    private static Map<String, List<Volume>> volumesByFilesystem(List<PersistentVolume> pvs) {
        Map<String, List<Volume>> byFs = new HashMap<>();
        for (PersistentVolume pv : pvs) {
            if (pv.getSpec() == null
                    || pv.getSpec().getCsi() == null
                    || !CSI_DRIVER.equals(pv.getSpec().getCsi().getDriver())) {
                continue;
            }
            Optional<String[]> handle = parseHandle(pv.getSpec().getCsi().getVolumeHandle());
            if (handle.isEmpty()) {
                continue;
            }
            var claim = pv.getSpec().getClaimRef();
            Quantity size = pv.getSpec().getCapacity() == null
                    ? null
                    : pv.getSpec().getCapacity().get("storage");
            byFs.computeIfAbsent(handle.get()[0] + "/" + handle.get()[1], k -> new ArrayList<>())
                    .add(new Volume(
                            pv.getMetadata().getName(),
                            claim == null ? "" : claim.getNamespace(),
                            claim == null ? "" : claim.getName(),
                            size == null ? "" : size.toString(),
                            pv.getStatus() == null || pv.getStatus().getPhase() == null
                                    ? ""
                                    : pv.getStatus().getPhase(),
                            handle.get()[2]));
        }
        byFs.values()
                .forEach(l -> l.sort(Comparator.comparing(Volume::claimNamespace)
                        .thenComparing(Volume::claimName)
                        .thenComparing(Volume::pv)));
        return byFs;
    }

    /**
     * {@code v1:<namespace>:<filesystem>:<fsName>:<subdir>} (csi-api's VolumeId) → namespace, filesystem, subdir;
     * empty for static volumes on filesystems the driver does not manage, or handles of another format.
     */
    static Optional<String[]> parseHandle(String handle) {
        if (handle == null) {
            return Optional.empty();
        }
        String[] p = handle.split(":", -1);
        if (p.length != 5 || !"v1".equals(p[0]) || p[1].isEmpty() || p[2].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new String[] {p[1], p[2], p[4]});
    }
}
