package dev.lustrecsi.provisioner.web;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.util.List;

/**
 * The operator's view of the cluster, kept by informers (one LIST, then a watch each) rather than read per
 * request: the LustreFileSystems, the server VMs and VMIs the operator manages (label {@code managed-by}), in
 * the watched namespace or all, and the PersistentVolumes (cluster-wide: claims of any namespace use a
 * filesystem). Every replica keeps one from its start, so the status page answers from memory on standbys
 * too; the leader's reconcile loop takes its events from the same informers instead of opening its own. The
 * PV store keeps only the fields the status page shows (CSI handle, claim, capacity, phase). RBAC: get/list/watch
 * on the three namespaced kinds (as the reconciler needs anyway), persistentvolumes list, watch.
 */
public final class ClusterCache implements AutoCloseable {
    private final SharedIndexInformer<LustreFileSystem> fileSystems;
    private final SharedIndexInformer<VirtualMachine> vms;
    private final SharedIndexInformer<VirtualMachineInstance> vmis;
    private final SharedIndexInformer<PersistentVolume> volumes;

    /** @param namespace the namespace the operator watches, or null for all */
    public ClusterCache(KubernetesClient client, String namespace) {
        fileSystems =
                scoped(client.resources(LustreFileSystem.class), namespace).runnableInformer(0);
        vms = scoped(client.resources(VirtualMachine.class), namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .runnableInformer(0);
        vmis = scoped(client.resources(VirtualMachineInstance.class), namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .runnableInformer(0);
        volumes = client.persistentVolumes().runnableInformer(0);
        volumes.itemStore(new ReducedStateItemStore<>(
                ReducedStateItemStore.NAME_KEY_STATE,
                PersistentVolume.class,
                client.getKubernetesSerialization(),
                "spec.csi",
                "spec.claimRef",
                "spec.capacity",
                "status.phase"));
    }

    private static <T extends HasMetadata> io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<T, ?, ?> scoped(
            MixedOperation<T, ?, ?> op, String namespace) {
        return namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
    }

    /** Starts every informer (returns at once; {@link #synced()} says when the first LISTs are in). */
    public ClusterCache start() {
        fileSystems.start();
        vms.start();
        vmis.start();
        volumes.start();
        return this;
    }

    public boolean synced() {
        return fileSystems.hasSynced() && vms.hasSynced() && vmis.hasSynced() && volumes.hasSynced();
    }

    public SharedIndexInformer<LustreFileSystem> fileSystemInformer() {
        return fileSystems;
    }

    public SharedIndexInformer<VirtualMachine> vmInformer() {
        return vms;
    }

    public SharedIndexInformer<VirtualMachineInstance> vmiInformer() {
        return vmis;
    }

    public List<LustreFileSystem> fileSystems() {
        return fileSystems.getStore().list();
    }

    public List<VirtualMachine> vms() {
        return vms.getStore().list();
    }

    public List<VirtualMachineInstance> vmis() {
        return vmis.getStore().list();
    }

    public List<PersistentVolume> volumes() {
        return volumes.getStore().list();
    }

    @Override
    public void close() {
        fileSystems.close();
        vms.close();
        vmis.close();
        volumes.close();
    }
}
