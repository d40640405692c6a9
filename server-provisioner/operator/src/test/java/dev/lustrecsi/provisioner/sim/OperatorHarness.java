package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A mock cluster, the KubeVirt simulator, a simulated Lustre and an operator reconciler, stepped in lock
 * step: reconcile, then let KubeVirt move one step. No clocks: a test runs passes until a condition holds
 * (or fails after a bound, printing the status).
 */
public final class OperatorHarness implements AutoCloseable {
    public static final String NAMESPACE = "hpc";

    private static final java.util.concurrent.atomic.AtomicInteger REAL_NAMESPACES =
            new java.util.concurrent.atomic.AtomicInteger();

    private final String namespace;
    private final KubernetesClient admin;
    private final java.util.function.Supplier<KubernetesClient> newClient;
    private final Runnable closeCluster;
    private final KubeVirtSimulator kubevirt;
    private final SimulatedLustre lustre;
    private KubernetesClient operatorClient;
    private LustreFileSystemReconciler reconciler;
    private int passes;
    private final java.util.List<EventRecorder.Listener> eventListeners = new java.util.ArrayList<>();
    private EventRecorder recorder;

    public OperatorHarness(String fsName) {
        this(fsName, MockCluster.start(), NAMESPACE);
    }

    private OperatorHarness(String fsName, MockCluster cluster, String namespace) {
        this(fsName, namespace, cluster.client(), cluster::newClient, cluster::close);
    }

    private OperatorHarness(
            String fsName,
            String namespace,
            KubernetesClient admin,
            java.util.function.Supplier<KubernetesClient> newClient,
            Runnable closeCluster) {
        this.namespace = namespace;
        this.admin = admin;
        this.newClient = newClient;
        this.closeCluster = closeCluster;
        kubevirt = new KubeVirtSimulator(admin, namespace);
        lustre = new SimulatedLustre(admin, namespace, fsName);
        kubevirt.pairMembers(lustre::pairMemberServes);
        startOperator();
    }

    /**
     * The same harness on a real kube-apiserver (test/support {@code ControlPlane}): KubeVirt's real CRDs, the
     * LustreFileSystem CRD users install, and a namespace of its own (the control plane is shared by the JVM's
     * tests). What the mock lets through and a real API server refuses (status subresources, validation,
     * graceful pod deletion) fails here.
     */
    public static OperatorHarness onRealControlPlane(String fsName, dev.lustrecsi.testing.kube.ControlPlane plane) {
        // A client of its own (the plane's shared one outlives this harness).
        KubernetesClient admin = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(plane.adminConfig())
                .build();
        dev.lustrecsi.testing.kube.Crds.installKubeVirt(admin);
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(MockCluster.deployedCrd())) {
            dev.lustrecsi.testing.kube.Crds.install(
                    admin,
                    List.of(Serialization.unmarshal(
                            in, io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String ns = NAMESPACE + "-" + REAL_NAMESPACES.incrementAndGet();
        admin.namespaces()
                .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .endMetadata()
                        .build())
                .create();
        // Pods are admitted only once the ServiceAccount controller made the namespace's default account.
        admin.serviceAccounts()
                .inNamespace(ns)
                .withName("default")
                .waitUntilCondition(java.util.Objects::nonNull, 60, java.util.concurrent.TimeUnit.SECONDS);
        Runnable close = () -> {
            // Static addresses are unique across the cluster's filesystems: the next test on this control plane
            // must not find this one's still holding them. No operator runs to finish a deletion: drop the
            // finalizer.
            for (LustreFileSystem fs : admin.resources(LustreFileSystem.class)
                    .inNamespace(ns)
                    .list()
                    .getItems()) {
                admin.resources(LustreFileSystem.class)
                        .inNamespace(ns)
                        .withName(fs.getMetadata().getName())
                        .edit(f -> {
                            f.getMetadata().setFinalizers(List.of());
                            return f;
                        });
                admin.resources(LustreFileSystem.class)
                        .inNamespace(ns)
                        .withName(fs.getMetadata().getName())
                        .delete();
            }
            admin.close();
        };
        return new OperatorHarness(
                fsName,
                ns,
                admin,
                () -> new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                        .withConfig(plane.adminConfig())
                        .build(),
                close);
    }

    /** The namespace the filesystem, its VMs and disks live in. */
    public String namespace() {
        return namespace;
    }

    /** A fresh operator: new client, new reconciler, nothing carried over but what is in the API server. */
    public void restartOperator() {
        if (operatorClient != null) {
            operatorClient.close();
        }
        startOperator();
    }

    private String sshAuthorizedKey;
    private dev.lustrecsi.provisioner.exec.KnownHosts knownHosts;

    private void startOperator() {
        operatorClient = newClient.get();
        recorder = new EventRecorder(operatorClient);
        eventListeners.forEach(recorder::addListener);
        reconciler = new LustreFileSystemReconciler(operatorClient, lustre, recorder, sshAuthorizedKey, knownHosts);
    }

    /** From now on the operator logs into servers with this key and pins their host keys in {@code knownHosts}. */
    public void useSsh(String authorizedKey, dev.lustrecsi.provisioner.exec.KnownHosts knownHosts) {
        this.sshAuthorizedKey = authorizedKey;
        this.knownHosts = knownHosts;
        restartOperator();
    }

    /** Listens to the steps the reconciler reports, as OperatorMain wires its metrics (kept across restarts). */
    public void addEventListener(EventRecorder.Listener listener) {
        eventListeners.add(listener);
        recorder.addListener(listener);
    }

    public KubernetesClient client() {
        return admin;
    }

    public KubeVirtSimulator kubevirt() {
        return kubevirt;
    }

    public SimulatedLustre lustre() {
        return lustre;
    }

    public LustreFileSystem create(LustreFileSystem fs) {
        fs.getMetadata().setUid(null);
        fs.getMetadata().setNamespace(namespace);
        return client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .resource(fs)
                .create();
    }

    /**
     * A filesystem on the pod network whose servers' NIDs are their pod addresses, as every one made before Service
     * addresses is: created with {@code status.nidSource: PodAddress}, what the operator records on its first pass
     * over such a filesystem (StableNidsTest shows that decision).
     */
    public LustreFileSystem createOnPodAddresses(LustreFileSystem fs) {
        LustreFileSystem created = create(fs);
        created.setStatus(new dev.lustrecsi.model.LustreFileSystemStatus());
        created.getStatus().setNidSource(dev.lustrecsi.model.NidSource.PodAddress);
        return client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .resource(created)
                .updateStatus();
    }

    /** Changes the spec as a user or the CSI controller would. */
    public void editSpec(String name, java.util.function.Consumer<dev.lustrecsi.model.LustreFileSystemSpec> change) {
        client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .withName(name)
                .edit(r -> {
                    change.accept(r.getSpec());
                    return r;
                });
    }

    public LustreFileSystem get(String name) {
        return client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    /** Deletes the LustreFileSystem (as kubectl delete: its finalizer holds it until the operator has cleaned up). */
    public void delete(String name) {
        client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .withName(name)
                .delete();
    }

    public void reconcile(String name) {
        reconciler.reconcile(namespace, name);
        passes++;
    }

    /** Reconcile, tick KubeVirt; repeat until the resource satisfies the condition. */
    public LustreFileSystem runUntil(String name, Predicate<LustreFileSystem> condition, int maxPasses) {
        for (int i = 0; i < maxPasses; i++) {
            reconcile(name);
            LustreFileSystem fs = get(name);
            if (condition.test(fs)) {
                return fs;
            }
            kubevirt.tick();
        }
        LustreFileSystem fs = get(name);
        throw new AssertionError("condition not reached after " + maxPasses + " passes; resource:\n"
                + (fs == null ? "<deleted>" : Serialization.asYaml(fs)) + "\nevents: " + eventReasons());
    }

    /** Whether the filesystem exists and its status says Ready. */
    public static boolean ready(LustreFileSystem fs) {
        return fs != null && fs.getStatus() != null && fs.getStatus().getPhase() == Phase.Ready;
    }

    /** Ready with {@code osts} OSTs active and ready (a scale-up or -down has settled). */
    public static Predicate<LustreFileSystem> settled(int osts) {
        return fs -> ready(fs)
                && fs.getStatus().getActiveOsts() == osts
                && fs.getStatus().getReadyOsts() == osts;
    }

    /** {@link #runUntil} the filesystem is {@link #ready}. */
    public LustreFileSystem runUntilReady(String name, int maxPasses) {
        return runUntil(name, OperatorHarness::ready, maxPasses);
    }

    /** Runs exactly n passes (reconcile + tick), whatever happens. */
    public void run(String name, int n) {
        for (int i = 0; i < n; i++) {
            reconcile(name);
            kubevirt.tick();
        }
    }

    /** The cloud-init user data (the boot script) of the VM {@code vm}. */
    public String userData(String vm) {
        return vms().stream()
                .filter(v -> v.getMetadata().getName().equals(vm))
                .findFirst()
                .orElseThrow()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes()
                .stream()
                .filter(v -> v.getCloudInitNoCloud() != null)
                .findFirst()
                .orElseThrow()
                .getCloudInitNoCloud()
                .getUserData();
    }

    /** The LustreFileSystems in the harness's namespace, as the operator's metrics read them. */
    public List<LustreFileSystem> fileSystems() {
        return client().resources(LustreFileSystem.class)
                .inNamespace(namespace)
                .list()
                .getItems();
    }

    public List<VirtualMachine> vms() {
        return client().resources(VirtualMachine.class).inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(v -> v.getMetadata().getName()))
                .toList();
    }

    public List<String> vmNames() {
        return vms().stream().map(v -> v.getMetadata().getName()).toList();
    }

    public PersistentVolumeClaim pvc(String name) {
        return client().persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    public VirtualMachine vm(String name) {
        return client().resources(VirtualMachine.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    public VirtualMachineInstance vmi(String name) {
        return client().resources(VirtualMachineInstance.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    /** The node the VM's instance runs on; null while it has none. */
    public String nodeOf(String vm) {
        VirtualMachineInstance vmi = vmi(vm);
        return vmi == null || vmi.getStatus() == null ? null : vmi.getStatus().getNodeName();
    }

    /** The VM's instance phase (Scheduling, Running...); null while it has none. */
    public String vmiPhase(String vm) {
        VirtualMachineInstance vmi = vmi(vm);
        return vmi == null || vmi.getStatus() == null ? null : vmi.getStatus().getPhase();
    }

    /** The claims of the disks the VM's template attaches, sorted. */
    public List<String> claimNames(String vm) {
        return client()
                .resources(VirtualMachine.class)
                .inNamespace(namespace)
                .withName(vm)
                .get()
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes()
                .stream()
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .map(v -> v.getPersistentVolumeClaim().getClaimName())
                .sorted()
                .toList();
    }

    public List<String> pvcNames() {
        return client().persistentVolumeClaims().inNamespace(namespace).list().getItems().stream()
                .map(PersistentVolumeClaim::getMetadata)
                .map(m -> m.getName())
                .sorted()
                .toList();
    }

    /** Event reasons on the resource, oldest first. */
    public List<String> eventReasons() {
        return events().stream().map(Event::getReason).toList();
    }

    public List<Event> events() {
        return client().v1().events().inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(
                        (Event e) -> e.getMetadata().getName().replaceAll("^[^.]*\\.", "")))
                .toList();
    }

    public int passes() {
        return passes;
    }

    @Override
    public void close() {
        kubevirt.close();
        if (operatorClient != null) {
            operatorClient.close();
        }
        closeCluster.run();
    }
}
