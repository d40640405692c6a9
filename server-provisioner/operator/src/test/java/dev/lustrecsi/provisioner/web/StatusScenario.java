package dev.lustrecsi.provisioner.web;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * A cluster worth looking at: shared pool {@code hpc/pool-a} Ready with two OSTs and three claims on it, and
 * dedicated filesystem {@code hpc/scratch} Degraded (its OSS lost and not coming back) with one claim.
 */
final class StatusScenario {
    private StatusScenario() {}

    static void build(OperatorHarness h) {
        h.create(Fixtures.tcp("pool-a", 2));
        h.runUntil("pool-a", fs -> phase(fs) == Phase.Ready, 60);

        LustreFileSystem scratch = Fixtures.tcp("scratch", 1);
        scratch.getSpec().setFsName("scratch");
        h.create(scratch);
        h.runUntil("scratch", fs -> phase(fs) == Phase.Ready, 60);
        h.kubevirt().neverReady("scratch-oss0", true);
        h.kubevirt().failVmi("scratch-oss0");
        h.runUntil("scratch", fs -> phase(fs) == Phase.Degraded, 20);

        pv(h, "pvc-7f3a", "v1:hpc:pool-a:lfs1:pvc-7f3a", "genomics", "results", "500Gi");
        pv(h, "pvc-91c2", "v1:hpc:pool-a:lfs1:pvc-91c2", "genomics", "reference-db", "50Gi");
        pv(h, "pvc-a044", "v1:hpc:pool-a:lfs1:pvc-a044", "climate", "ensemble-run-42", "2Ti");
        pv(h, "pvc-d1e0", "v1:hpc:scratch:scratch:", "hpc", "mpi-scratch", "100Gi");
        // Another driver's volume is not ours to show.
        h.client()
                .persistentVolumes()
                .resource(new PersistentVolumeBuilder()
                        .withNewMetadata()
                        .withName("pvc-nfs")
                        .endMetadata()
                        .withNewSpec()
                        .addToCapacity("storage", new Quantity("1Gi"))
                        .withNewCsi()
                        .withDriver("nfs.csi.k8s.io")
                        .withVolumeHandle("v1:hpc:pool-a:lfs1:nfs")
                        .endCsi()
                        .withNewClaimRef()
                        .withNamespace("web")
                        .withName("nfs-claim")
                        .endClaimRef()
                        .endSpec()
                        .build())
                .create();
    }

    private static Phase phase(LustreFileSystem fs) {
        return fs.getStatus() == null ? null : fs.getStatus().getPhase();
    }

    private static void pv(OperatorHarness h, String name, String handle, String claimNs, String claim, String size) {
        PersistentVolume pv = new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity(size))
                .addToAccessModes("ReadWriteMany")
                .withNewCsi()
                .withDriver(ClusterView.CSI_DRIVER)
                .withVolumeHandle(handle)
                .endCsi()
                .withNewClaimRef()
                .withNamespace(claimNs)
                .withName(claim)
                .endClaimRef()
                .endSpec()
                .withNewStatus()
                .withPhase("Bound")
                .endStatus()
                .build();
        h.client().persistentVolumes().resource(pv).create();
    }
}
