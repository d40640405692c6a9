package dev.lustrecsi.provisioner;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.periodic.PeriodicTask;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.web.ClusterCache;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
    /** Removes this operator's handlers from shared informers (see {@link #sharing}). */
    private final List<Runnable> sharedHandlers = new ArrayList<>();

    private ClusterCache cache;
    private final Map<String, Boolean> known = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private Thread worker;
    private volatile boolean running;
    private volatile BooleanSupplier mayAct = () -> true;
    /** When the reconcile in progress started (null: none), for {@link #readiness}. */
    private final AtomicReference<Instant> reconcilingSince = new AtomicReference<>();

    private volatile String reconcilingKey;
    private volatile Counter reconcileFailures;

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

    /** Counts reconciles that failed ({@code lustre_operator_reconcile_failures_total}) in this registry. */
    public LustreOperator countingFailuresIn(PrometheusRegistry registry) {
        this.reconcileFailures = Counter.builder()
                .name("lustre_operator_reconcile_failures_total")
                .help("reconcile passes of a LustreFileSystem that failed (the next event or resync retries)")
                .register(registry);
        return this;
    }

    /**
     * Not ready when the worker thread has died or one reconcile has run longer than {@code stuckAfter} (a call
     * without a timeout): the operator would look alive and reconcile nothing.
     */
    public PeriodicTask.Readiness readiness(Duration stuckAfter, Clock clock) {
        return () -> {
            Thread w = worker;
            if (running && (w == null || !w.isAlive())) {
                return PeriodicTask.Readiness.Result.notReady("the reconcile worker is not running");
            }
            Instant since = reconcilingSince.get();
            if (since != null && Duration.between(since, clock.instant()).compareTo(stuckAfter) > 0) {
                return PeriodicTask.Readiness.Result.notReady(
                        "reconcile of " + reconcilingKey + " has been running for "
                                + Duration.between(since, clock.instant()).toSeconds() + " s (stuck?)");
            }
            return PeriodicTask.Readiness.Result.ready("reconcile worker ok");
        };
    }

    /**
     * Takes its events from these informers (the ones the status page reads) instead of opening its own watches;
     * they stay open when the operator closes.
     */
    public LustreOperator sharing(ClusterCache cache) {
        this.cache = cache;
        return this;
    }

    public synchronized void start() {
        running = true;
        Function<LustreFileSystem, String> fsKey =
                r -> key(r.getMetadata().getNamespace(), r.getMetadata().getName());
        if (cache != null) {
            share(cache.fileSystemInformer(), fsKey);
            share(cache.vmInformer(), this::ownerKey);
            share(cache.vmiInformer(), this::ownerKey);
        } else {
            informers.add(inform(client.resources(LustreFileSystem.class), fsKey, false));
            informers.add(inform(client.resources(VirtualMachine.class), this::ownerKey, true));
            informers.add(inform(client.resources(VirtualMachineInstance.class), this::ownerKey, true));
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lustre-operator-resync"));
        scheduler.scheduleWithFixedDelay(
                () -> {
                    // Never throws: a scheduled task that throws is cancelled for good.
                    try {
                        known.keySet().forEach(this::enqueue);
                    } catch (RuntimeException e) {
                        LOG.warn("resync failed this round: {}", e.toString());
                    }
                },
                resync.toMillis(),
                resync.toMillis(),
                TimeUnit.MILLISECONDS);
        worker = daemon(this::work, "lustre-operator-worker");
        worker.start();
        LOG.info("operator started (namespace {})", namespace == null ? "<all>" : namespace);
    }

    private <T extends HasMetadata> void share(SharedIndexInformer<T> informer, Function<T, String> keyOf) {
        ResourceEventHandler<T> handler = handler(keyOf);
        informer.addEventHandler(handler);
        sharedHandlers.add(() -> informer.removeEventHandler(handler));
    }

    private <T extends HasMetadata> SharedIndexInformer<T> inform(
            io.fabric8.kubernetes.client.dsl.MixedOperation<T, ?, ?> op,
            Function<T, String> keyOf,
            boolean managedOnly) {
        ResourceEventHandler<T> handler = handler(keyOf);
        var scoped = namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
        return managedOnly
                ? scoped.withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform(handler)
                : scoped.inform(handler);
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Function<T, String> keyOf) {
        return new ResourceEventHandler<>() {
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
            reconcilingKey = key;
            reconcilingSince.set(Instant.now());
            try {
                reconciler.reconcile(key.substring(0, slash), key.substring(slash + 1));
                if (client.resources(LustreFileSystem.class)
                                .inNamespace(key.substring(0, slash))
                                .withName(key.substring(slash + 1))
                                .get()
                        == null) {
                    known.remove(key);
                }
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                // The next event or resync tries again; the pass itself is idempotent. Errors a pass can cause
                // (a class that fails to load, a runaway recursion) are caught too: the worker must not die.
                LOG.warn("reconcile of {} failed: {} (cause: {})", key, e.toString(), String.valueOf(e.getCause()));
                Counter failures = reconcileFailures;
                if (failures != null) {
                    failures.inc();
                }
            } finally {
                reconcilingSince.set(null);
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
        sharedHandlers.forEach(Runnable::run);
        sharedHandlers.clear();
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
