package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.model.LustreFileSystem;
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

    private final MockCluster cluster = MockCluster.start();
    private final KubeVirtSimulator kubevirt = new KubeVirtSimulator(cluster.client(), NAMESPACE);
    private final SimulatedLustre lustre;
    private KubernetesClient operatorClient;
    private LustreFileSystemReconciler reconciler;
    private int passes;
    private final java.util.List<EventRecorder.Listener> eventListeners = new java.util.ArrayList<>();
    private EventRecorder recorder;

    public OperatorHarness(String fsName) {
        lustre = new SimulatedLustre(cluster.client(), NAMESPACE, fsName);
        startOperator();
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
        operatorClient = cluster.newClient();
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
        return cluster.client();
    }

    public KubeVirtSimulator kubevirt() {
        return kubevirt;
    }

    public SimulatedLustre lustre() {
        return lustre;
    }

    public LustreFileSystem create(LustreFileSystem fs) {
        fs.getMetadata().setUid(null);
        fs.getMetadata().setNamespace(NAMESPACE);
        return client().resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .resource(fs)
                .create();
    }

    /** Changes the spec as a user or the CSI controller would. */
    public void editSpec(String name, java.util.function.Consumer<dev.lustrecsi.model.LustreFileSystemSpec> change) {
        client().resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .withName(name)
                .edit(r -> {
                    change.accept(r.getSpec());
                    return r;
                });
    }

    public LustreFileSystem get(String name) {
        return client().resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .withName(name)
                .get();
    }

    public void reconcile(String name) {
        reconciler.reconcile(NAMESPACE, name);
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

    /** Runs exactly n passes (reconcile + tick), whatever happens. */
    public void run(String name, int n) {
        for (int i = 0; i < n; i++) {
            reconcile(name);
            kubevirt.tick();
        }
    }

    public List<VirtualMachine> vms() {
        return client().resources(VirtualMachine.class).inNamespace(NAMESPACE).list().getItems().stream()
                .sorted(Comparator.comparing(v -> v.getMetadata().getName()))
                .toList();
    }

    public List<String> vmNames() {
        return vms().stream().map(v -> v.getMetadata().getName()).toList();
    }

    public VirtualMachineInstance vmi(String name) {
        return client().resources(VirtualMachineInstance.class)
                .inNamespace(NAMESPACE)
                .withName(name)
                .get();
    }

    public List<String> pvcNames() {
        return client().persistentVolumeClaims().inNamespace(NAMESPACE).list().getItems().stream()
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
        return client().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
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
        cluster.close();
    }
}
