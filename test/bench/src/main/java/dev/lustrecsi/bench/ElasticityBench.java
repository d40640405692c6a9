package dev.lustrecsi.bench;

import dev.lustrecsi.controller.VolumeRecords;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An elasticity trace through the controller (on its socket), the real operator reconciler and the KubeVirt
 * simulator on the mock API server: a burst of PVCs on one shared pool, created 16 at a time as the
 * external-provisioner's workers would (retrying UNAVAILABLE while the pool grows), then 80% of them deleted.
 * Reports provisioned / requested capacity once the operator has settled after each phase, CreateVolume calls
 * refused for capacity, and the scale operations (spec.ostCount changes and the operator's server events),
 * including how often the direction reversed (flapping). Three pools are traced with the default policy: one whose
 * StorageClass states only {@code maxPoolSize} (the driver chooses the OST count and size), one that also sets
 * {@code maxOsts=64}, and one with fixed 1Ti OSTs (docs/decisions/0009-pool-elasticity.md).
 */
final class ElasticityBench {
    static final String NAME = "elasticity";
    private static final String POOL = "elastic";
    private static final long GI = 1L << 30;
    private static final int CONCURRENCY = 16;

    private final int claims;

    ElasticityBench(int claims) {
        this.claims = claims;
    }

    /**
     * A pool policy: StorageClass parameters put over the bench pool's (1Ti OSTs, at most 64) and the controller's
     * shrink band. Headroom is the StorageClass default (10%) unless a policy sets it.
     */
    private record Policy(String name, String osts, int shrinkBandPercent, String... extra) {
        Map<String, String> parameters() {
            Map<String, String> p =
                    new java.util.HashMap<>(ControllerOnSocket.poolParameters(POOL, OperatorHarness.NAMESPACE, 64));
            for (int i = 0; i < extra.length; i += 2) {
                if (extra[i + 1] == null) {
                    p.remove(extra[i]);
                } else {
                    p.put(extra[i], extra[i + 1]);
                }
            }
            return p;
        }
    }

    void run(Path workDir, ResultTable table) throws Exception {
        // The default policy: the StorageClass states only how large the pool may grow; the driver chooses the OST
        // count and size from it (128 servers of 128Gi OSTs for 16Ti: a step of 4.6% of the 2.7Ti left, so the
        // steady state is at most 1.20 + 0.046 whatever the rounding).
        run(
                workDir.resolve("max-pool-size-only"),
                table,
                new Policy(
                        "maxPoolSize=16Ti, everything else default: the driver chooses 128 x 128Gi OSTs",
                        "128 GiB",
                        10,
                        "ostSize",
                        null,
                        "maxOsts",
                        null,
                        "maxPoolSize",
                        "16Ti"));
        // The step set by hand: 16Ti over at most 64 OSTs -> 256Gi, 9.2% of what is left (bound 1.29).
        run(
                workDir.resolve("max-pool-size-64"),
                table,
                new Policy(
                        "maxPoolSize=16Ti over maxOsts=64 (256Gi OSTs), defaults: headroom 10%, band 10%",
                        "256 GiB", 10, "ostSize", null, "maxPoolSize", "16Ti", "maxOsts", "64"));
        // A fixed OST size: 1Ti OSTs are a third of what is left after the deletes.
        run(
                workDir.resolve("fixed-1ti"),
                table,
                new Policy("ostSize=1Ti, maxOsts=64, defaults: headroom 10%, band 10%", "1 TiB", 10));
    }

    private void run(Path workDir, ResultTable table, Policy policy) throws Exception {
        java.nio.file.Files.createDirectories(workDir);
        Map<String, String> parameters = policy.parameters();
        try (OperatorHarness h = new OperatorHarness(POOL);
                ControllerOnSocket controller = new ControllerOnSocket(
                        h.client(),
                        OperatorHarness.NAMESPACE,
                        workDir,
                        Duration.ofSeconds(2),
                        policy.shrinkBandPercent())) {
            Map<String, AtomicInteger> events = new ConcurrentHashMap<>();
            h.addEventListener((fs, type, reason) -> events.computeIfAbsent(reason.name(), r -> new AtomicInteger())
                    .incrementAndGet());
            List<Integer> specHistory = Collections.synchronizedList(new ArrayList<>());
            Operator operator = new Operator(h, specHistory);
            operator.start();
            ControllerGrpc.ControllerBlockingStub stub = controller.stub();
            AtomicInteger capacityRefusals = new AtomicInteger();
            AtomicInteger unavailableRetries = new AtomicInteger();
            Random random = new Random(42);
            long[] sizes = new long[claims];
            for (int i = 0; i < claims; i++) {
                sizes[i] = (5 + 5L * random.nextInt(10)) * GI;
            }
            String[] ids = new String[claims];
            ExecutorService callers = Executors.newFixedThreadPool(CONCURRENCY);
            try {
                long t0 = System.nanoTime();
                CreateDeleteBench.runAll(callers, CONCURRENCY, claims, i -> {
                    while (true) {
                        try {
                            ids[i] = stub.createVolume(ControllerOnSocket.create("pvc-" + i, sizes[i], parameters))
                                    .getVolume()
                                    .getVolumeId();
                            return;
                        } catch (StatusRuntimeException e) {
                            Status.Code code = e.getStatus().getCode();
                            if (code == Status.Code.RESOURCE_EXHAUSTED) {
                                capacityRefusals.incrementAndGet();
                                return;
                            }
                            if (code != Status.Code.UNAVAILABLE && code != Status.Code.ABORTED) {
                                throw e;
                            }
                            unavailableRetries.incrementAndGet();
                            Thread.sleep(100);
                        }
                    }
                });
                double burstSeconds = (System.nanoTime() - t0) / 1e9;
                LustreFileSystem afterBurst = operator.awaitSettled(controller, Duration.ofMinutes(10));
                double burstRatio = ratio(h, afterBurst);
                int specAfterBurst = afterBurst.getSpec().getOstCount();

                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < claims; i++) {
                    if (ids[i] != null) {
                        order.add(i);
                    }
                }
                Collections.shuffle(order, random);
                List<Integer> doomed = order.subList(0, (int) Math.round(order.size() * 0.8));
                CreateDeleteBench.runAll(callers, CONCURRENCY, doomed.size(), k -> {
                    String id = ids[doomed.get(k)];
                    while (true) {
                        try {
                            stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                                    .setVolumeId(id)
                                    .build());
                            return;
                        } catch (StatusRuntimeException e) {
                            if (e.getStatus().getCode() != Status.Code.UNAVAILABLE
                                    && e.getStatus().getCode() != Status.Code.ABORTED) {
                                throw e;
                            }
                            Thread.sleep(100);
                        }
                    }
                });
                int replansBefore = operator.replans;
                LustreFileSystem afterDeletes = operator.awaitSettled(controller, Duration.ofMinutes(10));
                int replans = operator.replans - replansBefore;
                double steadyRatio = ratio(h, afterDeletes);
                operator.stop();

                List<Integer> history = List.copyOf(specHistory);
                int grows = 0;
                int shrinks = 0;
                int reversals = 0;
                int lastDirection = 0;
                for (int i = 1; i < history.size(); i++) {
                    int d = Integer.signum(history.get(i) - history.get(i - 1));
                    if (d > 0) {
                        grows++;
                    } else if (d < 0) {
                        shrinks++;
                    }
                    if (d != 0 && lastDirection != 0 && d != lastDirection) {
                        reversals++;
                    }
                    if (d != 0) {
                        lastDirection = d;
                    }
                }
                String trace = claims + " claims of 5-50 GiB on " + policy.osts() + " OSTs, " + CONCURRENCY
                        + " concurrent callers";
                String p = " (" + policy.name() + ")";
                table.add(Figure.single(
                        NAME,
                        "provisioned / requested after the burst" + p,
                        burstRatio,
                        "<= 1.25",
                        burstRatio <= 1.25,
                        trace + "; burst took " + String.format("%.1f s", burstSeconds)
                                + " with " + unavailableRetries.get() + " UNAVAILABLE retries while the pool grew; "
                                + specAfterBurst + " OSTs"));
                table.add(Figure.single(
                        NAME,
                        "provisioned / requested after 80% deleted (steady state)" + p,
                        steadyRatio,
                        "<= 1.25",
                        steadyRatio <= 1.25,
                        afterDeletes.getSpec().getOstCount() + " OSTs for "
                                + String.format("%.2f TiB", requestedTiB(h))
                                + " requested: a pool shrinks, once the previous drain is done, to the whole OSTs "
                                + "covering requests + headroom + shrink band (the hysteresis against flapping); "
                                + replans + " periodic re-plans on the settled pool after the deletes"));
                table.add(Figure.single(
                        NAME,
                        "CreateVolume refused for capacity" + p,
                        capacityRefusals.get(),
                        "0",
                        capacityRefusals.get() == 0,
                        ""));
                table.add(Figure.single(
                        NAME,
                        "scale operations: spec.ostCount raises + lowers" + p,
                        grows + shrinks,
                        grows + " raises, " + shrinks + " lowers; ostCount history " + history + "; operator events "
                                + new java.util.TreeMap<>(Map.copyOf(toCounts(events)))));
                table.add(Figure.single(
                        NAME,
                        "direction reversals of spec.ostCount (flapping)" + p,
                        reversals,
                        "<= 1 (one grow phase, one shrink phase)",
                        reversals <= 1,
                        ""));
            } finally {
                operator.stop();
                callers.shutdownNow();
            }
        }
    }

    private static Map<String, Integer> toCounts(Map<String, AtomicInteger> events) {
        Map<String, Integer> out = new java.util.HashMap<>();
        events.forEach((k, v) -> {
            if (k.startsWith("Server") || k.startsWith("Drain") || k.startsWith("Disk")) {
                out.put(k, v.get());
            }
        });
        return out;
    }

    private static double requestedTiB(OperatorHarness h) {
        return requestedBytes(h) / (double) (1L << 40);
    }

    /** Capacity of the OSTs in service (status.activeOsts x OST size) over the sum of the volumes' requests. */
    private static double ratio(OperatorHarness h, LustreFileSystem pool) {
        long requested = requestedBytes(h);
        long provisioned =
                (long) pool.getStatus().getActiveOsts() * pool.getSpec().getOstSizeBytes();
        return requested == 0 ? Double.NaN : (double) provisioned / requested;
    }

    /** The operator's reconcile loop and the KubeVirt simulator, stepped continuously in the background. */
    private static final class Operator {
        private final OperatorHarness h;
        private final List<Integer> specHistory;
        private final Thread thread;
        private volatile boolean running = true;

        Operator(OperatorHarness h, List<Integer> specHistory) {
            this.h = h;
            this.specHistory = specHistory;
            this.thread = new Thread(this::loop, "operator");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            while (running) {
                try {
                    LustreFileSystem fs = h.get(POOL);
                    if (fs != null) {
                        Integer count = fs.getSpec().getOstCount();
                        synchronized (specHistory) {
                            if (count != null
                                    && (specHistory.isEmpty()
                                            || !specHistory
                                                    .get(specHistory.size() - 1)
                                                    .equals(count))) {
                                specHistory.add(count);
                            }
                        }
                        h.run(POOL, 1);
                    }
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // A conflicting write (the controller changed the spec meanwhile): the next pass reads again.
                }
            }
        }

        /** Periodic re-plans run on a settled pool by {@link #awaitSettled}. */
        int replans;

        /**
         * Waits until every OST the spec asks for is active and ready, the pool is Ready, and the controller's
         * periodic re-plan (the leader's round, every {@code --reconcile-interval} in a cluster: run here as soon as
         * the pool has settled) keeps the count: the controller lowers a count only on a settled pool, so the steps
         * after the first come from that pass.
         */
        LustreFileSystem awaitSettled(ControllerOnSocket controller, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                LustreFileSystem fs = h.get(POOL);
                if (settled(fs)) {
                    controller.reconcileAllPools();
                    replans++;
                    LustreFileSystem again = h.get(POOL);
                    if (settled(again)
                            && again.getSpec().getOstCount().equals(fs.getSpec().getOstCount())) {
                        return again;
                    }
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("pool did not settle within " + bound + ": spec "
                    + h.get(POOL).getSpec().getOstCount() + " OSTs, status "
                    + h.get(POOL).getStatus().getActiveOsts() + " active");
        }

        private static boolean settled(LustreFileSystem fs) {
            return fs != null
                    && fs.getStatus() != null
                    && fs.getStatus().getPhase() == Phase.Ready
                    && fs.getSpec().getOstCount().equals(fs.getStatus().getActiveOsts())
                    && fs.getSpec().getOstCount().equals(fs.getStatus().getReadyOsts())
                    && fs.getStatus().getTargets().stream()
                            .noneMatch(t -> t.getState() == dev.lustrecsi.model.TargetState.Draining
                                    || t.getState() == dev.lustrecsi.model.TargetState.Drained);
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(10_000);
        }
    }

    /** Σ size of the pool's volumes, from their records in the API server. */
    private static long requestedBytes(OperatorHarness h) {
        return h
                .client()
                .resources(dev.lustrecsi.model.LustreVolume.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withLabel(VolumeRecords.LABEL_POOL, POOL)
                .list()
                .getItems()
                .stream()
                .flatMap(v -> VolumeRecords.parse(v).stream())
                .mapToLong(p -> p.record().capacityBytes())
                .sum();
    }
}
