package dev.lustrecsi.provisioner.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.VirtualMachineInstanceSpec;
import io.kubevirt.v1.VirtualMachineInstanceStatus;
import io.kubevirt.v1.VirtualMachineStatus;
import io.kubevirt.v1.virtualmachineinstancestatus.Conditions;
import io.kubevirt.v1.virtualmachineinstancestatus.Interfaces;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays KubeVirt's virt-controller and virt-handler against the mock API server: for every VirtualMachine
 * whose runStrategy asks it to run it keeps a VirtualMachineInstance, moves it through
 * Pending → Scheduling → Scheduled → Running, reports interface addresses (a fresh pod-network address per
 * boot, as a new virt-launcher pod gets; on Multus interfaces the static address the guest configured from
 * its cloud-init network data), and sets the Ready condition when the readiness probe would pass. It
 * honours runStrategy (Always restarts a failed or deleted VMI; Halted stops it) and can fail a VMI, fail
 * the next boots or keep a guest from ever becoming ready.
 *
 * <p>Nodes: when the cluster has Node objects, a VMI runs on a Ready node without the
 * {@code node.kubernetes.io/out-of-service} taint, in a virt-launcher Pod bound to that node. A VMI on a node
 * that goes NotReady keeps running there (Ready condition False, as the node lifecycle controller marks its pod):
 * KubeVirt restarts nothing while the launcher pod is on a NotReady node (kubevirt
 * pkg/virt-controller/watch/vmi.go fails a VMI only once its pod is gone). When the node gets the out-of-service
 * taint, kube-controller-manager force-deletes its pods (k8s pkg/controller/podgc/gc_controller.go,
 * gcTerminating, with the NoExecute taint eviction that precedes it); the VMI then fails and runStrategy Always
 * starts it on another node. Without Node objects VMIs get a made-up node name, as before.
 *
 * <p>Deterministic: each {@link #tick()} advances every VMI one step. {@link #start(long)} ticks in the
 * background for tests that run the operator's own threads.
 */
public final class KubeVirtSimulator implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, Integer> failNextBoots = new ConcurrentHashMap<>();
    private final Map<String, Boolean> neverReady = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> boots = new ConcurrentHashMap<>();
    private final AtomicInteger podIps = new AtomicInteger(10);
    private final AtomicInteger clusterIps = new AtomicInteger(10);
    /** When each VMI was created by this simulator (nanoTime), for {@link #bootDelay(java.time.Duration)}. */
    private final Map<String, Long> createdAt = new ConcurrentHashMap<>();

    private volatile long bootDelayNanos;
    /** Whether a running VM of a failover pair has mounted its targets (SimulatedLustre#pairMemberServes). */
    private volatile java.util.function.Predicate<VirtualMachineInstance> pairMemberServes = v -> true;

    private ScheduledExecutorService background;

    public KubeVirtSimulator(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Ticks in the background every {@code periodMillis}. */
    public synchronized KubeVirtSimulator start(long periodMillis) {
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kubevirt-simulator");
            t.setDaemon(true);
            return t;
        });
        background.scheduleWithFixedDelay(
                () -> {
                    try {
                        tick();
                    } catch (RuntimeException e) {
                        // A conflicting write from the operator: the next tick reads again.
                    }
                },
                0,
                periodMillis,
                TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public synchronized void close() {
        if (background != null) {
            background.shutdownNow();
        }
    }

    /** The guest crashes: the VMI goes Failed (KubeVirt restarts it under runStrategy Always). */
    public synchronized void failVmi(String name) {
        VirtualMachineInstance vmi = vmis().withName(name).get();
        if (vmi != null) {
            vmis().withName(name).edit(v -> {
                v.getStatus().setPhase("Failed");
                v.getStatus().setReason("GuestCrashed");
                v.getStatus().setConditions(List.of(condition("Ready", "False")));
                return v;
            });
        }
    }

    /** The next {@code n} boots of the VM fail after scheduling (e.g. a node that cannot start it). */
    public void failNextBoots(String vm, int n) {
        failNextBoots.put(vm, n);
    }

    /** The guest never answers its readiness probe (e.g. LNet does not come up). */
    public void neverReady(String vm, boolean value) {
        neverReady.put(vm, value);
    }

    /**
     * Wall-clock time a guest needs from being scheduled to running (firmware, kernel, cloud-init, Lustre modules,
     * first-boot mkfs.lustre): a scheduled VMI stays Scheduled until this much time has passed since its creation.
     * Zero (the default) keeps the simulator purely step-driven. For benchmarks; tests should not depend on time.
     */
    public void bootDelay(java.time.Duration delay) {
        bootDelayNanos = delay.toNanos();
    }

    /**
     * How the readiness probe of a failover pair's VM answers: its script passes only on the VM that mounted the
     * targets (see ServerCloudInit's readiness check), which the simulated Lustre decides.
     */
    public void pairMembers(java.util.function.Predicate<VirtualMachineInstance> serves) {
        pairMemberServes = serves;
    }

    public int boots(String vm) {
        AtomicInteger n = boots.get(vm);
        return n == null ? 0 : n.get();
    }

    public synchronized void tick() {
        collectPodsOfFencedNodes();
        allocateClusterIps();
        Map<String, VirtualMachine> vms = new HashMap<>();
        client.resources(VirtualMachine.class)
                .inNamespace(namespace)
                .list()
                .getItems()
                .forEach(vm -> vms.put(vm.getMetadata().getName(), vm));
        for (VirtualMachineInstance vmi : vmis().list().getItems()) {
            VirtualMachine owner = vms.get(vmi.getMetadata().getName());
            if (owner == null || !ownedBy(vmi, owner)) {
                // Owner gone, or deleted and recreated under the same name (a new UID): Kubernetes' garbage
                // collector removes the VMI, because its ownerReference names the old VM's UID.
                vmis().withName(vmi.getMetadata().getName()).delete();
            }
        }
        for (VirtualMachine vm : vms.values()) {
            step(vm);
        }
    }

    /**
     * fabric8's mock API server stores a Service as sent; kube-apiserver allocates its ClusterIP from the service
     * CIDR at create (pkg/registry/core/service/ipallocator) and never hands one address to two Services. On a real
     * API server every ClusterIP Service already has one and this does nothing.
     */
    private void allocateClusterIps() {
        var services = client.services().inNamespace(namespace).list().getItems();
        java.util.Set<String> used = new java.util.HashSet<>();
        services.stream()
                .map(svc -> svc.getSpec().getClusterIP())
                .filter(ip -> ip != null && !ip.isBlank())
                .forEach(used::add);
        for (var svc : services) {
            if (svc.getSpec().getClusterIP() != null
                    && !svc.getSpec().getClusterIP().isBlank()) {
                continue;
            }
            String ip;
            do {
                int n = clusterIps.getAndIncrement();
                ip = "10.96." + (n / 250) + "." + (n % 250 + 2);
            } while (used.contains(ip));
            used.add(ip);
            String allocated = ip;
            client.services()
                    .inNamespace(namespace)
                    .withName(svc.getMetadata().getName())
                    .edit(x -> {
                        x.getSpec().setClusterIP(allocated);
                        x.getSpec().setClusterIPs(List.of(allocated));
                        return x;
                    });
        }
    }

    private static boolean ownedBy(VirtualMachineInstance vmi, VirtualMachine vm) {
        String uid = vm.getMetadata().getUid();
        return uid == null
                || vmi.getMetadata().getOwnerReferences() == null
                || vmi.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
    }

    private void step(VirtualMachine vm) {
        String name = vm.getMetadata().getName();
        String strategy = vm.getSpec().getRunStrategy() == null
                ? (Boolean.TRUE.equals(vm.getSpec().getRunning()) ? "Always" : "Halted")
                : vm.getSpec().getRunStrategy();
        VirtualMachineInstance vmi = vmis().withName(name).get();
        if ("Halted".equals(strategy)) {
            if (vmi != null) {
                vmis().withName(name).delete();
                removeLauncherPod(name);
            }
            vmStatus(vm, "Stopped", false);
            return;
        }
        if (vmi == null) {
            if ("Always".equals(strategy) || "RerunOnFailure".equals(strategy)) {
                create(vm);
                vmStatus(vm, "Starting", false);
            }
            return;
        }
        String phase = vmi.getStatus() == null ? "Pending" : vmi.getStatus().getPhase();
        if ("Running".equals(phase) && launcherGone(vmi)) {
            // virt-controller: the VMI's pod is gone (its node was fenced), so the VMI has failed.
            vmis().withName(name).edit(v -> {
                v.getStatus().setPhase("Failed");
                v.getStatus().setReason("PodNotExists");
                v.getStatus().setConditions(List.of(condition("Ready", "False")));
                return v;
            });
            return;
        }
        switch (phase) {
            case "Failed" -> {
                if ("Always".equals(strategy) || "RerunOnFailure".equals(strategy)) {
                    vmis().withName(name).delete();
                    removeLauncherPod(name);
                }
                vmStatus(vm, "CrashLoopBackOff", false);
            }
            case "Pending" -> setPhase(name, "Scheduling");
            case "Scheduling" -> setPhase(name, "Scheduled");
            case "Scheduled" -> {
                Long created = createdAt.get(name);
                if (bootDelayNanos > 0 && created != null && System.nanoTime() - created < bootDelayNanos) {
                    return; // still booting
                }
                Integer fail = failNextBoots.getOrDefault(name, 0);
                if (fail > 0) {
                    failNextBoots.put(name, fail - 1);
                    setPhase(name, "Failed");
                } else {
                    run(vm);
                }
            }
            case "Running" -> {
                boolean ready = !neverReady.getOrDefault(name, false)
                        && nodeReady(vmi.getStatus().getNodeName())
                        && (!pairMember(vmi) || pairMemberServes.test(vmi));
                String wanted = ready ? "True" : "False";
                boolean same = vmi.getStatus().getConditions() != null
                        && vmi.getStatus().getConditions().stream()
                                .anyMatch(c -> "Ready".equals(c.getType()) && wanted.equals(c.getStatus()));
                if (!same) {
                    vmis().withName(name).edit(v -> {
                        v.getStatus().setConditions(List.of(condition("Ready", wanted)));
                        return v;
                    });
                }
                vmStatus(vm, "Running", ready);
            }
            default -> {}
        }
    }

    private void create(VirtualMachine vm) {
        String name = vm.getMetadata().getName();
        VirtualMachineInstance vmi = new VirtualMachineInstance();
        var template = vm.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put("kubevirt.io/domain", name);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getAnnotations() != null) {
            annotations.putAll(template.getMetadata().getAnnotations());
        }
        vmi.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("kubevirt.io/v1")
                        .withKind("VirtualMachine")
                        .withName(name)
                        .withUid(vm.getMetadata().getUid())
                        .withController(true)
                        .build())
                .build());
        vmi.setSpec(Serialization.jsonMapper().convertValue(template.getSpec(), VirtualMachineInstanceSpec.class));
        VirtualMachineInstanceStatus status = new VirtualMachineInstanceStatus();
        status.setPhase("Pending");
        vmi.setStatus(status);
        try {
            vmis().resource(vmi).create();
            createdAt.put(name, System.nanoTime());
            boots.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void run(VirtualMachine vm) {
        String name = vm.getMetadata().getName();
        List<Interfaces> interfaces = new ArrayList<>();
        var devices = vm.getSpec().getTemplate().getSpec().getDomain().getDevices();
        var networks = vm.getSpec().getTemplate().getSpec().getNetworks();
        for (var iface : devices.getInterfaces()) {
            var network = networks.stream()
                    .filter(n -> n.getName().equals(iface.getName()))
                    .findFirst()
                    .orElseThrow();
            Interfaces reported = new Interfaces();
            reported.setName(iface.getName());
            reported.setMac(iface.getMacAddress());
            if (network.getPod() != null) {
                int n = podIps.getAndIncrement();
                reported.setIpAddress("10.244." + (n / 250) + "." + (n % 250 + 2));
            } else {
                reported.setIpAddress(staticAddressFromCloudInit(vm, iface.getMacAddress()));
                reported.setInfoSource("guest-agent");
            }
            interfaces.add(reported);
        }
        Map<String, String> avoid = antiAffinity(vm);
        List<Node> schedulable = client.nodes().list().getItems().stream()
                .filter(n -> ready(n) && !outOfService(n))
                .filter(n -> avoid.isEmpty() || !runsPodMatching(n.getMetadata().getName(), avoid, name))
                .sorted(java.util.Comparator.comparing(n -> n.getMetadata().getName()))
                .toList();
        String node;
        if (schedulable.isEmpty() && !client.nodes().list().getItems().isEmpty()) {
            return; // no node can take it: stays Scheduled
        } else if (schedulable.isEmpty()) {
            node = "node-" + (Math.abs(name.hashCode()) % 3);
        } else {
            node = schedulable
                    .get(Math.abs(name.hashCode()) % schedulable.size())
                    .getMetadata()
                    .getName();
            removeLauncherPod(name);
            // virt-controller copies the VMI's labels onto its launcher pod (kubevirt pkg/virt-controller/services/
            // template.go: podLabels from vmi.Labels, then kubevirt.io=virt-launcher): Services select it by them.
            VirtualMachineInstance current = vmis().withName(name).get();
            Map<String, String> podLabels = new LinkedHashMap<>();
            if (current != null && current.getMetadata().getLabels() != null) {
                podLabels.putAll(current.getMetadata().getLabels());
            }
            client.pods()
                    .inNamespace(namespace)
                    .resource(new PodBuilder()
                            .withNewMetadata()
                            .withName(launcherPod(name))
                            .withNamespace(namespace)
                            .addToLabels(podLabels)
                            // and the VM template's, which pod anti-affinity between a pair's VMs matches
                            .addToLabels(templateLabels(vm))
                            .addToLabels("kubevirt.io", "virt-launcher")
                            .addToLabels("kubevirt.io/domain", name)
                            .endMetadata()
                            .withNewSpec()
                            .withNodeName(node)
                            .addNewContainer()
                            .withName("compute")
                            .withImage("virt-launcher")
                            .endContainer()
                            .endSpec()
                            .build())
                    .create();
        }
        vmis().withName(name).edit(v -> {
            v.getStatus().setPhase("Running");
            v.getStatus().setNodeName(node);
            v.getStatus().setInterfaces(interfaces);
            // The readiness probe has not run yet.
            v.getStatus().setConditions(List.of(condition("Ready", "False")));
            return v;
        });
    }

    /**
     * The launcher pod of a VMI that stopped or failed: its containers have exited, and kubelet then deletes the
     * pod with grace period 0 (kubernetes pkg/kubelet/status/status_manager.go, syncPod once canBeDeleted). A
     * plain (graceful) delete of a pod bound to a node waits for that kubelet on a real API server, and this
     * harness runs no kubelet: the pod would stay Terminating and block the next boot's pod of the same name.
     */
    private void removeLauncherPod(String vm) {
        client.pods()
                .inNamespace(namespace)
                .withName(launcherPod(vm))
                .withGracePeriod(0)
                .delete();
    }

    /**
     * The matchLabels of the VM's required pod anti-affinity per host (the only kind the operator writes): the
     * scheduler places the launcher pod on no node where a pod with those labels runs.
     */
    private static Map<String, String> antiAffinity(VirtualMachine vm) {
        var affinity = vm.getSpec().getTemplate().getSpec().getAffinity();
        if (affinity == null
                || affinity.getPodAntiAffinity() == null
                || affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return Map.of();
        }
        Map<String, String> labels = new HashMap<>();
        for (var term : affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()) {
            if (!"kubernetes.io/hostname".equals(term.getTopologyKey())
                    || term.getLabelSelector() == null
                    || term.getLabelSelector().getMatchLabels() == null) {
                throw new IllegalStateException("simulator models only per-host anti-affinity by matchLabels");
            }
            labels.putAll(term.getLabelSelector().getMatchLabels());
        }
        return labels;
    }

    private boolean runsPodMatching(String node, Map<String, String> labels, String exceptVm) {
        return client.pods().inNamespace(namespace).withLabels(labels).list().getItems().stream()
                .anyMatch(p -> node.equals(p.getSpec().getNodeName())
                        && !launcherPod(exceptVm).equals(p.getMetadata().getName()));
    }

    private static Map<String, String> templateLabels(VirtualMachine vm) {
        var meta = vm.getSpec().getTemplate().getMetadata();
        return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
    }

    /** The virt-launcher pod of a VM's current VMI (one at a time; KubeVirt adds a random suffix). */
    static String launcherPod(String vm) {
        return "virt-launcher-" + vm;
    }

    /** kube-controller-manager on out-of-service nodes: their pods are force-deleted. */
    private void collectPodsOfFencedNodes() {
        Map<String, Node> nodes = new HashMap<>();
        client.nodes().list().getItems().forEach(n -> nodes.put(n.getMetadata().getName(), n));
        for (Pod pod : client.pods()
                .inNamespace(namespace)
                .withLabel("kubevirt.io", "virt-launcher")
                .list()
                .getItems()) {
            Node node = nodes.get(pod.getSpec().getNodeName());
            if (node != null && outOfService(node)) {
                client.pods()
                        .inNamespace(namespace)
                        .withName(pod.getMetadata().getName())
                        .withGracePeriod(0)
                        .delete();
            }
        }
    }

    /** With Node objects: whether the VMI's launcher pod is gone from its node. */
    private boolean launcherGone(VirtualMachineInstance vmi) {
        String node = vmi.getStatus().getNodeName();
        if (node == null || client.nodes().withName(node).get() == null) {
            return false;
        }
        Pod pod = client.pods()
                .inNamespace(namespace)
                .withName(launcherPod(vmi.getMetadata().getName()))
                .get();
        return pod == null || !node.equals(pod.getSpec().getNodeName());
    }

    private static boolean pairMember(VirtualMachineInstance vmi) {
        return vmi.getMetadata().getLabels() != null
                && vmi.getMetadata().getLabels().containsKey(dev.lustrecsi.provisioner.Labels.PAIR);
    }

    private boolean nodeReady(String nodeName) {
        Node node = nodeName == null ? null : client.nodes().withName(nodeName).get();
        return node == null || ready(node);
    }

    /** Whether the VMI's Ready condition is True: virt-handler's word that the guest is up (and its probes pass). */
    public static boolean reportsReady(VirtualMachineInstance vmi) {
        return vmi != null
                && vmi.getStatus() != null
                && vmi.getStatus().getConditions() != null
                && vmi.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean ready(Node node) {
        return node.getStatus() != null
                && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean outOfService(Node node) {
        return node.getSpec() != null
                && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream()
                        .anyMatch(t -> "node.kubernetes.io/out-of-service".equals(t.getKey())
                                && "NoExecute".equals(t.getEffect()));
    }

    /** What the guest configures from cloud-init network data v2 for the interface with this MAC. */
    private static String staticAddressFromCloudInit(VirtualMachine vm, String mac) {
        for (var volume : vm.getSpec().getTemplate().getSpec().getVolumes()) {
            if (volume.getCloudInitNoCloud() == null
                    || volume.getCloudInitNoCloud().getNetworkData() == null) {
                continue;
            }
            try {
                JsonNode ethernets = YAML.readTree(volume.getCloudInitNoCloud().getNetworkData())
                        .path("ethernets");
                for (JsonNode eth : (Iterable<JsonNode>) ethernets::elements) {
                    if (mac != null
                            && mac.equalsIgnoreCase(
                                    eth.path("match").path("macaddress").asText())
                            && eth.path("addresses").size() > 0) {
                        String cidr = eth.path("addresses").get(0).asText();
                        return cidr.substring(0, cidr.indexOf('/'));
                    }
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("unparseable cloud-init network data", e);
            }
        }
        return null;
    }

    private void setPhase(String name, String phase) {
        vmis().withName(name).edit(v -> {
            v.getStatus().setPhase(phase);
            return v;
        });
    }

    private void vmStatus(VirtualMachine vm, String printable, boolean ready) {
        VirtualMachineStatus current = vm.getStatus();
        if (current != null
                && printable.equals(current.getPrintableStatus())
                && Boolean.valueOf(ready).equals(current.getReady())) {
            return;
        }
        VirtualMachineStatus status = new VirtualMachineStatus();
        status.setPrintableStatus(printable);
        status.setReady(ready);
        status.setCreated(!"Stopped".equals(printable));
        vm.setStatus(status);
        try {
            client.resources(VirtualMachine.class)
                    .inNamespace(namespace)
                    .resource(vm)
                    .updateStatus();
        } catch (KubernetesClientException e) {
            // The operator changed the VM meanwhile; the next tick reports again.
        }
    }

    private static Conditions condition(String type, String status) {
        Conditions c = new Conditions();
        c.setType(type);
        c.setStatus(status);
        return c;
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
                    VirtualMachineInstance,
                    io.fabric8.kubernetes.api.model.KubernetesResourceList<VirtualMachineInstance>,
                    io.fabric8.kubernetes.client.dsl.Resource<VirtualMachineInstance>>
            vmis() {
        return client.resources(VirtualMachineInstance.class).inNamespace(namespace);
    }
}
