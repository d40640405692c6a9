package dev.lustrecsi.e2e;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevirt.v1.VirtualMachine;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What {@code kubectl get pv,pvc,lustrefs,vm} shows, rendered from the API server's objects (the pools and VMs of
 * {@code namespace}).
 */
public record ClusterView(KubernetesClient client, String namespace) {
    public String render(Map<String, String> pendingReasons) {
        StringBuilder out = new StringBuilder();
        List<List<String>> pvs = new ArrayList<>();
        pvs.add(List.of("NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS"));
        client.persistentVolumes().list().getItems().stream()
                .sorted(Comparator.comparing((PersistentVolume p) -> claimOf(p)))
                .forEach(pv -> pvs.add(List.of(
                        "persistentvolume/" + pv.getMetadata().getName(),
                        size(pv.getSpec().getCapacity().get("storage")),
                        modes(pv.getSpec().getAccessModes()),
                        pv.getSpec().getPersistentVolumeReclaimPolicy(),
                        pv.getStatus() == null || pv.getStatus().getPhase() == null
                                ? "Available"
                                : pv.getStatus().getPhase(),
                        claimOf(pv),
                        String.valueOf(pv.getSpec().getStorageClassName()))));
        table(out, pvs);
        List<List<String>> pvcs = new ArrayList<>();
        pvcs.add(List.of("NAME", "STATUS", "VOLUME", "CAPACITY", "STORAGECLASS", "WHY"));
        // The claims users made for this driver (the operator's target disks are claims too, of another class).
        java.util.Set<String> ours = new java.util.HashSet<>();
        client.storage().v1().storageClasses().list().getItems().stream()
                .filter(sc -> dev.lustrecsi.csi.DriverNames.DRIVER_NAME.equals(sc.getProvisioner()))
                .forEach(sc -> ours.add(sc.getMetadata().getName()));
        client.persistentVolumeClaims().inAnyNamespace().list().getItems().stream()
                .filter(c -> ours.contains(c.getSpec().getStorageClassName()))
                .sorted(Comparator.comparing((PersistentVolumeClaim c) ->
                        c.getMetadata().getNamespace() + "/" + c.getMetadata().getName()))
                .forEach(c -> {
                    String key = c.getMetadata().getNamespace() + "/"
                            + c.getMetadata().getName();
                    boolean bound = c.getSpec().getVolumeName() != null;
                    pvcs.add(List.of(
                            "persistentvolumeclaim/" + key,
                            bound ? "Bound" : "Pending",
                            bound ? c.getSpec().getVolumeName() : "",
                            bound && c.getStatus() != null && c.getStatus().getCapacity() != null
                                    ? size(c.getStatus().getCapacity().get("storage"))
                                    : "",
                            String.valueOf(c.getSpec().getStorageClassName()),
                            bound ? "" : abbreviate(pendingReasons.getOrDefault(key, "waiting for the provisioner"))));
                });
        // WHY (the last CreateVolume error, as the claim's Event says it) only while some claim is Pending.
        if (pvcs.stream().skip(1).allMatch(r -> r.get(r.size() - 1).isEmpty())) {
            pvcs.replaceAll(r -> r.subList(0, r.size() - 1));
        }
        table(out, pvcs);
        List<List<String>> fss = new ArrayList<>();
        fss.add(List.of("NAME", "PHASE", "OSTS", "SPEC OSTS", "CAPACITY", "MGS NIDS"));
        for (LustreFileSystem fs : client.resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .list()
                .getItems()) {
            var st = fs.getStatus();
            fss.add(List.of(
                    "lustrefilesystem/" + fs.getMetadata().getName(),
                    st == null || st.getPhase() == null ? "" : st.getPhase().name(),
                    st == null || st.getActiveOsts() == null
                            ? ""
                            : st.getActiveOsts().toString(),
                    String.valueOf(fs.getSpec().getOstCount()),
                    st == null || st.getCapacity() == null ? "" : st.getCapacity(),
                    st == null || st.getMgsNids() == null ? "" : String.join(",", st.getMgsNids())));
        }
        table(out, fss);
        List<List<String>> vms = new ArrayList<>();
        vms.add(List.of("NAME", "STATUS", "READY"));
        client.resources(VirtualMachine.class).inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(
                        (VirtualMachine v) -> v.getMetadata().getName()))
                .forEach(vm -> vms.add(List.of(
                        "virtualmachine/" + vm.getMetadata().getName(),
                        vm.getStatus() == null || vm.getStatus().getPrintableStatus() == null
                                ? ""
                                : vm.getStatus().getPrintableStatus(),
                        vm.getStatus() == null
                                ? "false"
                                : String.valueOf(
                                        Boolean.TRUE.equals(vm.getStatus().getReady())))));
        table(out, vms);
        return out.toString();
    }

    private static String claimOf(PersistentVolume pv) {
        var ref = pv.getSpec().getClaimRef();
        return ref == null ? "" : ref.getNamespace() + "/" + ref.getName();
    }

    private static String modes(List<String> modes) {
        return String.join(
                ",",
                modes.stream()
                        .map(m -> switch (m) {
                            case "ReadWriteMany" -> "RWX";
                            case "ReadWriteOnce" -> "RWO";
                            case "ReadOnlyMany" -> "ROX";
                            case "ReadWriteOncePod" -> "RWOP";
                            default -> m;
                        })
                        .toList());
    }

    static String size(Quantity q) {
        if (q == null) {
            return "";
        }
        BigDecimal bytes = q.getNumericalAmount();
        BigDecimal gi = BigDecimal.valueOf(1L << 30);
        if (bytes.remainder(gi).signum() == 0) {
            return bytes.divide(gi).toBigInteger() + "Gi";
        }
        return bytes.toBigInteger().toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 90 ? s.substring(0, 87) + "..." : s;
    }

    private static void table(StringBuilder out, List<List<String>> rows) {
        if (rows.size() == 1) {
            return;
        }
        int[] widths = new int[rows.get(0).size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.size(); i++) {
                line.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (widths[i] + 3) + "s", r.get(i)));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        out.append('\n');
    }
}
