package dev.lustrecsi.provisioner;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's event loop, on plain fabric8 informers (not java-operator-sdk: JOSDK 5.2.3 is built on
 * fabric8 7.5.2 and JUnit 6, while this project pins fabric8 7.7.0; what we need is small). Informers on
 * LustreFileSystems and on the VMs/VMIs the operator labelled turn any change into the key of the owning
 * filesystem; one worker thread reconciles keys one at a time (so one resource is never reconciled
 * concurrently), and every key is re-queued each resync period so slow steps (boots, drains) advance
 * without events. The informers only trigger work; each pass reads fresh state from the API server.
 */
public final class LustreOperator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LustreOperator.class);

    private final KubernetesClient client;
    private final LustreFileSystemReconciler reconciler;
    private final String namespace;
    private final Duration resync;
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Map<String, Boolean> known = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private Thread worker;
    private volatile boolean running;
    private volatile BooleanSupplier mayAct = () -> true;

    /** @param namespace the namespace to watch, or null for all namespaces */
    public LustreOperator(
            KubernetesClient client, LustreFileSystemReconciler reconciler, String namespace, Duration resync) {
        this.client = client;
        this.reconciler = reconciler;
        this.namespace = namespace;
        this.resync = resync;
    }

    /**
     * Reconciles only while {@code leading} says so (the Lease holder's check, see Leadership); a skipped key is
     * picked up again by the next resync.
     */
    public LustreOperator gatedBy(BooleanSupplier leading) {
        this.mayAct = leading;
        return this;
    }

    public synchronized void start() {
        running = true;
        informers.add(inform(
                client.resources(LustreFileSystem.class),
                r -> key(r.getMetadata().getNamespace(), r.getMetadata().getName()),
                false));
        informers.add(inform(client.resources(VirtualMachine.class), this::ownerKey, true));
        informers.add(inform(client.resources(VirtualMachineInstance.class), this::ownerKey, true));
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lustre-operator-resync"));
        scheduler.scheduleWithFixedDelay(
                () -> known.keySet().forEach(this::enqueue),
                resync.toMillis(),
                resync.toMillis(),
                TimeUnit.MILLISECONDS);
        worker = daemon(this::work, "lustre-operator-worker");
        worker.start();
        LOG.info("operator started (namespace {})", namespace == null ? "<all>" : namespace);
    }

    private <T extends HasMetadata> SharedIndexInformer<T> inform(
            io.fabric8.kubernetes.client.dsl.MixedOperation<T, ?, ?> op,
            Function<T, String> keyOf,
            boolean managedOnly) {
        ResourceEventHandler<T> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                enqueue(keyOf.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                enqueue(keyOf.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                enqueue(keyOf.apply(obj));
            }
        };
        var scoped = namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
        return managedOnly
                ? scoped.withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform(handler)
                : scoped.inform(handler);
    }

    private String ownerKey(HasMetadata obj) {
        Map<String, String> labels = obj.getMetadata().getLabels();
        String fs = labels == null ? null : labels.get(Labels.FILESYSTEM);
        return fs == null ? null : key(obj.getMetadata().getNamespace(), fs);
    }

    private static String key(String ns, String name) {
        return ns + "/" + name;
    }

    private void enqueue(String key) {
        if (key != null && running && queued.add(key)) {
            known.put(key, Boolean.TRUE);
            queue.add(key);
        }
    }

    private void work() {
        while (running) {
            String key;
            try {
                key = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (key == null) {
                continue;
            }
            queued.remove(key);
            if (!mayAct.getAsBoolean()) {
                continue;
            }
            int slash = key.indexOf('/');
            try {
                reconciler.reconcile(key.substring(0, slash), key.substring(slash + 1));
                if (client.resources(LustreFileSystem.class)
                                .inNamespace(key.substring(0, slash))
                                .withName(key.substring(slash + 1))
                                .get()
                        == null) {
                    known.remove(key);
                }
            } catch (RuntimeException e) {
                // The next event or resync tries again; the pass itself is idempotent.
                LOG.warn("reconcile of {} failed: {} (cause: {})", key, e.toString(), String.valueOf(e.getCause()));
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public synchronized void close() {
        running = false;
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
