package dev.lustrecsi.cli;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeId;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The PVCs that use a LustreFileSystem. A volume's id names the LustreFileSystem that serves it
 * ({@code v1:<namespace>:<filesystem>:<fsName>:<subdir>}), so the PVs of this driver say it without
 * any further lookup; the PV's claimRef names the PVC.
 */
final class Claims {

    /** One claim (or a released volume without one) on the filesystem. */
    record Claim(String namespace, String name, String volume, String capacity, String subdir, String phase) {
        String display() {
            return name == null ? "(no claim: " + volume + ", " + phase + ")" : namespace + "/" + name;
        }
    }

    private Claims() {}

    static List<Claim> using(KubernetesClient client, String namespace, String filesystem) {
        List<Claim> claims = new ArrayList<>();
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            if (pv.getSpec() == null
                    || pv.getSpec().getCsi() == null
                    || !DriverNames.DRIVER_NAME.equals(pv.getSpec().getCsi().getDriver())) {
                continue;
            }
            Optional<VolumeId> id = VolumeId.tryParse(pv.getSpec().getCsi().getVolumeHandle());
            if (id.isEmpty()
                    || !namespace.equals(id.get().namespace())
                    || !filesystem.equals(id.get().filesystem())) {
                continue;
            }
            ObjectReference ref = pv.getSpec().getClaimRef();
            Quantity size = pv.getSpec().getCapacity() == null
                    ? null
                    : pv.getSpec().getCapacity().get("storage");
            String phase = pv.getStatus() == null ? null : pv.getStatus().getPhase();
            claims.add(new Claim(
                    ref == null ? null : ref.getNamespace(),
                    ref == null ? null : ref.getName(),
                    pv.getMetadata().getName(),
                    size == null ? "-" : size.toString(),
                    id.get().subdir(),
                    phase));
        }
        claims.sort(Comparator.comparing(Claim::display));
        return claims;
    }
}
