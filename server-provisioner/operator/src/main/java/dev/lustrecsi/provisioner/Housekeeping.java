package dev.lustrecsi.provisioner;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.periodic.PeriodicTask;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.iostats.VolumeIoMetrics;
import dev.lustrecsi.provisioner.metrics.StandbyMetrics;
import dev.lustrecsi.provisioner.orphans.OrphanMetrics;
import dev.lustrecsi.provisioner.orphans.ServerOrphanCollector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The operator's periodic work beside reconciling: orphan collection ({@link ServerOrphanCollector}) and per-PVC
 * I/O from jobstats ({@link VolumeIoMetrics}), each on its own schedule on one background thread, plus the warm
 * standby gauges ({@link StandbyMetrics}, read at scrape time). Each task is a {@link PeriodicTask}: a failed round
 * (any Throwable) is logged and counted ({@code lustre_csi_periodic_task_failures_total{task}}) and the next one runs;
 * {@link #readiness()} says when one is stuck (a round running, or none ending, for three periods plus five minutes).
 */
public final class Housekeeping implements AutoCloseable {
    private final PeriodicTask.Metrics metrics;
    private final List<PeriodicTask> tasks = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lustre-operator-housekeeping");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param orphanInterval how often to look for orphans (zero: never)
     * @param orphanGrace how long an orphan is kept before it is removed
     * @param ioInterval how often to read jobstats (zero: never)
     */
    public Housekeeping(
            KubernetesClient client,
            ServerCommandExecutor executor,
            PrometheusRegistry registry,
            String namespace,
            Supplier<List<LustreFileSystem>> filesystems,
            Duration orphanInterval,
            Duration orphanGrace,
            Duration ioInterval) {
        this.metrics = new PeriodicTask.Metrics(registry);
        StandbyMetrics.register(registry, filesystems);
        if (!orphanInterval.isZero()) {
            ServerOrphanCollector orphans = new ServerOrphanCollector(
                    client, namespace, orphanGrace, Clock.systemUTC(), new OrphanMetrics(registry));
            every(orphanInterval, "orphan collection", orphans::collect);
        }
        if (!ioInterval.isZero()) {
            VolumeIoMetrics io = new VolumeIoMetrics(client, executor, registry);
            every(ioInterval, "jobstats", () -> io.poll(filesystems.get()));
        }
    }

    /** Another periodic task on the same thread, e.g. node fencing; zero period: never. */
    public Housekeeping also(Duration period, String what, Runnable task) {
        if (!period.isZero()) {
            every(period, what, task);
        }
        return this;
    }

    private void every(Duration period, String what, Runnable task) {
        tasks.add(new PeriodicTask(what, period.multipliedBy(3).plusMinutes(5), metrics, Clock.systemUTC(), task)
                .schedule(scheduler, period, period));
    }

    /** Each task's readiness: not ready while one is stuck. */
    public List<PeriodicTask.Readiness.Result> readiness() {
        return tasks.stream().map(t -> t.readiness().check()).toList();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
