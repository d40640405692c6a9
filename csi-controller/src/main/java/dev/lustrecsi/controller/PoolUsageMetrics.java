package dev.lustrecsi.controller;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.mount.MountInfo;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space of each shared pool as Lustre reports it: {@code lfs df} through the controller's own client mount of the
 * pool, at scrape time. The pools are found in the mount table (mounts at {@code <pool-mount-root>/<ns>/<pool>}),
 * not in memory, so a restarted controller reports the pools it holds. The labels {@code namespace} and
 * {@code filesystem} are those of the pool's LustreFileSystem, as on the operator's {@code lustre_filesystem_*}.
 * The pools are asked in parallel under one bound: a pool whose servers are gone answers {@code df_success 0}
 * instead of stalling the scrape (and with it the CSI call metrics).
 */
public final class PoolUsageMetrics implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(PoolUsageMetrics.class);

    public static final String SIZE = "lustre_pool_size_bytes";
    public static final String USED = "lustre_pool_used_bytes";
    public static final String AVAILABLE = "lustre_pool_available_bytes";
    public static final String OSTS = "lustre_pool_osts";
    public static final String DF_SUCCESS = "lustre_pool_df_success";

    private final Path root;
    private final Supplier<List<MountInfo>> mounts;
    private final CommandRunner runner;
    private final LfsCommands lfs;
    private final Duration bound;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pool-df");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param poolMountRoot where the controller mounts pools ({@code --pool-mount-root})
     * @param mounts        the mount table as read now
     * @param bound         how long one scrape may wait for {@code lfs df}
     */
    public PoolUsageMetrics(
            Path poolMountRoot,
            Supplier<List<MountInfo>> mounts,
            CommandRunner runner,
            LfsCommands lfs,
            Duration bound) {
        this.root = poolMountRoot.toAbsolutePath().normalize();
        this.mounts = mounts;
        this.runner = runner;
        this.lfs = lfs;
        this.bound = bound;
    }

    public PoolUsageMetrics register(PrometheusRegistry registry) {
        registry.register(this);
        return this;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(SIZE, USED, AVAILABLE, OSTS, DF_SUCCESS);
    }

    private record Pool(String namespace, String name, Path mountPoint) {}

    private record Usage(Pool pool, Optional<LfsCommands.DfSummary> df) {}

    @Override
    public MetricSnapshots collect() {
        java.util.Set<Pool> found = new java.util.LinkedHashSet<>();
        try {
            for (MountInfo m : mounts.get()) {
                Path p = m.mountPoint();
                if (m.lustreFileset().isPresent()
                        && p.startsWith(root)
                        && root.relativize(p).getNameCount() == 2) {
                    found.add(new Pool(
                            p.getParent().getFileName().toString(),
                            p.getFileName().toString(),
                            p));
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the mount table for pool metrics: {}", e.getMessage());
        }
        List<Pool> pools = new ArrayList<>(found);
        List<CompletableFuture<Usage>> asked = pools.stream()
                .map(pool -> CompletableFuture.supplyAsync(() -> df(pool), workers))
                .toList();
        long deadline = System.nanoTime() + bound.toNanos();
        GaugeSnapshot.Builder size = gauge(SIZE, "Pool size: sum of its OSTs as `lfs df` reports them");
        GaugeSnapshot.Builder used = gauge(USED, "Space used in the pool, from `lfs df`");
        GaugeSnapshot.Builder available = gauge(AVAILABLE, "Space available to users in the pool, from `lfs df`");
        GaugeSnapshot.Builder osts = gauge(OSTS, "OSTs `lfs df` lists for the pool (those answering the client)");
        GaugeSnapshot.Builder success = gauge(DF_SUCCESS, "1 when `lfs df` on the pool mount answered in time, else 0");
        for (int i = 0; i < asked.size(); i++) {
            Pool pool = pools.get(i);
            Optional<LfsCommands.DfSummary> df;
            try {
                df = asked.get(i)
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .df();
            } catch (Exception e) {
                asked.get(i).cancel(true);
                df = Optional.empty();
            }
            Labels labels = Labels.of("namespace", pool.namespace(), "filesystem", pool.name());
            success.dataPoint(point(df.isPresent() ? 1 : 0, labels));
            df.ifPresent(d -> {
                size.dataPoint(point(d.totalBytes(), labels));
                used.dataPoint(point(d.usedBytes(), labels));
                available.dataPoint(point(d.availableBytes(), labels));
                osts.dataPoint(point(d.osts(), labels));
            });
        }
        return MetricSnapshots.of(size.build(), used.build(), available.build(), osts.build(), success.build());
    }

    private Usage df(Pool pool) {
        CommandResult r = runner.run(lfs.df(pool.mountPoint().toString()), bound);
        if (!r.succeeded()) {
            LOG.debug("lfs df on {} failed: {}", pool.mountPoint(), r.describe());
            return new Usage(pool, Optional.empty());
        }
        return new Usage(pool, LfsCommands.parseDf(r.stdout()));
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
