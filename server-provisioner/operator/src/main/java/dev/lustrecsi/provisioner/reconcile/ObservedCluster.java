package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.fencing.NodeFencer;
import dev.lustrecsi.provisioner.manifest.ServerManifests;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.virtualmachineinstancestatus.Conditions;
import io.kubevirt.v1.virtualmachineinstancestatus.Interfaces;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster objects of one filesystem, read fresh from the API server at the start of a reconcile pass
 * (not from a cache: a pass must never act on a view older than its own last write).
 */
public final class ObservedCluster {
    private final Map<String, VirtualMachine> vms = new TreeMap<>();
    private final Map<String, VirtualMachineInstance> vmis = new TreeMap<>();
    private final Map<String, PersistentVolumeClaim> pvcs = new TreeMap<>();
    private final Map<String, Service> services = new TreeMap<>();

    public static ObservedCluster read(KubernetesClient client, LustreFileSystem fs) {
        String ns = fs.getMetadata().getNamespace();
        String name = fs.getMetadata().getName();
        ObservedCluster o = new ObservedCluster();
        readInto(o.vms, client, VirtualMachine.class, ns, name);
        readInto(o.vmis, client, VirtualMachineInstance.class, ns, name);
        readInto(o.pvcs, client, PersistentVolumeClaim.class, ns, name);
        readInto(o.services, client, Service.class, ns, name);
        return o;
    }

    /** The filesystem's objects of one kind (those with its label), by name. */
    private static <T extends HasMetadata> void readInto(
            Map<String, T> byName, KubernetesClient client, Class<T> kind, String ns, String fsName) {
        client.resources(kind)
                .inNamespace(ns)
                .withLabel(Labels.FILESYSTEM, fsName)
                .list()
                .getItems()
                .forEach(r -> byName.put(r.getMetadata().getName(), r));
    }

    public Set<String> vmNames() {
        return vms.keySet();
    }

    public Optional<VirtualMachine> vm(String name) {
        return Optional.ofNullable(vms.get(name));
    }

    public Optional<VirtualMachineInstance> vmi(String name) {
        return Optional.ofNullable(vmis.get(name));
    }

    /** The ClusterIP of a Service, once the API server allocated one. */
    public Optional<String> clusterIp(String service) {
        Service svc = services.get(service);
        if (svc == null || svc.getSpec() == null) {
            return Optional.empty();
        }
        String ip = svc.getSpec().getClusterIP();
        return ip == null || ip.isBlank() || "None".equals(ip) ? Optional.empty() : Optional.of(ip);
    }

    public boolean hasService(String name) {
        return services.containsKey(name);
    }

    public boolean hasPvc(String name) {
        return pvcs.containsKey(name);
    }

    public Set<String> pvcNames() {
        return pvcs.keySet();
    }

    /** The VMI runs and its readiness probe passes: every target of the server mounted and out of recovery. */
    public boolean ready(String server) {
        VirtualMachineInstance vmi = vmis.get(server);
        if (vmi == null
                || vmi.getStatus() == null
                || vmi.getMetadata().getDeletionTimestamp() != null
                || !"Running".equals(vmi.getStatus().getPhase())
                || vmi.getStatus().getConditions() == null) {
            return false;
        }
        for (Conditions c : vmi.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }

    /** The address KubeVirt reports for the VMI's pod-network interface. */
    public Optional<String> podAddress(String server) {
        VirtualMachineInstance vmi = vmis.get(server);
        if (vmi == null || vmi.getStatus() == null || vmi.getStatus().getInterfaces() == null) {
            return Optional.empty();
        }
        return vmi.getStatus().getInterfaces().stream()
                .filter(i -> ServerManifests.POD_NETWORK.equals(i.getName()))
                .map(Interfaces::getIpAddress)
                .filter(a -> a != null && !a.isBlank())
                .findFirst();
    }

    /** Lustre version the VM's template boots (what a new VMI will run). */
    public Optional<String> templateVersion(String server) {
        VirtualMachine vm = vms.get(server);
        if (vm == null
                || vm.getSpec() == null
                || vm.getSpec().getTemplate() == null
                || vm.getSpec().getTemplate().getMetadata() == null
                || vm.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(
                vm.getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.LUSTRE_VERSION));
    }

    /** Lustre version the running VMI booted. */
    public Optional<String> runningVersion(String server) {
        VirtualMachineInstance vmi = vmis.get(server);
        if (vmi == null || vmi.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(vmi.getMetadata().getAnnotations().get(Labels.LUSTRE_VERSION));
    }

    public Optional<String> templateImage(String server) {
        VirtualMachine vm = vms.get(server);
        if (vm == null) {
            return Optional.empty();
        }
        return vm.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getContainerDisk() != null)
                .map(v -> v.getContainerDisk().getImage())
                .findFirst();
    }

    /** The static address recorded on an existing VM (lets a restarted operator adopt it). */
    public Optional<String> annotatedAddress(String server) {
        VirtualMachine vm = vms.get(server);
        if (vm == null || vm.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(vm.getMetadata().getAnnotations().get(Labels.ADDRESS));
    }

    /** The VMI exists, is not being deleted and runs (the guest booted; it may not be ready). */
    public boolean running(String server) {
        VirtualMachineInstance vmi = vmis.get(server);
        return vmi != null
                && vmi.getStatus() != null
                && vmi.getMetadata().getDeletionTimestamp() == null
                && "Running".equals(vmi.getStatus().getPhase());
    }

    /**
     * Why the VM that served a pair's targets is known not to write them any more, or empty when nothing proves it.
     * Proof is its node fenced (NodeFencer's taint, set only for a dead node, never in a partition) or a VMI that no
     * longer runs (KubeVirt reports its qemu gone: deleted, failed, or a new one not started yet). A NotReady node
     * alone is no proof: the VM may still run there.
     */
    public Optional<String> goneBecause(String server, KubernetesClient client) {
        VirtualMachineInstance vmi = vmis.get(server);
        if (vmi == null || vmi.getStatus() == null) {
            return Optional.of("has no running VMI");
        }
        if (!"Running".equals(vmi.getStatus().getPhase())) {
            return Optional.of("is " + vmi.getStatus().getPhase() + ", not running");
        }
        String nodeName = vmi.getStatus().getNodeName();
        Node node = nodeName == null ? null : client.nodes().withName(nodeName).get();
        if (node != null && NodeFencer.isFenced(node)) {
            return Optional.of("was on node " + nodeName + ", fenced as down");
        }
        return Optional.empty();
    }

    /** The VMI runs on a node that is Ready and not fenced: it can take over a pair's targets. */
    public boolean runsOnHealthyNode(String server, KubernetesClient client) {
        if (!running(server)) {
            return false;
        }
        String nodeName = vmis.get(server).getStatus().getNodeName();
        Node node = nodeName == null ? null : client.nodes().withName(nodeName).get();
        if (node == null) {
            return true; // a cluster without Node objects we may read (tests): nothing says it is unhealthy
        }
        boolean ready = node.getStatus() != null
                && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        return ready && !NodeFencer.isFenced(node);
    }
}
