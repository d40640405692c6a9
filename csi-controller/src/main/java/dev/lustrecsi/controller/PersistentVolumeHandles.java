package dev.lustrecsi.controller;

import dev.lustrecsi.csi.DriverNames;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashSet;
import java.util.Set;

/** The volume ids the cluster's PVs of this driver name: the orphan collectors never touch a volume a PV names. */
final class PersistentVolumeHandles {
    private PersistentVolumeHandles() {}

    /** One LIST of the PVs (RBAC: persistentvolumes list); the handles of those whose CSI driver is this one. */
    static Set<String> of(KubernetesClient client) {
        Set<String> handles = new HashSet<>();
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            if (pv.getSpec() != null
                    && pv.getSpec().getCsi() != null
                    && DriverNames.DRIVER_NAME.equals(pv.getSpec().getCsi().getDriver())) {
                handles.add(pv.getSpec().getCsi().getVolumeHandle());
            }
        }
        return handles;
    }
}
