package dev.lustrecsi.provisioner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.web.ClusterCache;
import dev.lustrecsi.testing.kube.MockKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The operator's loops survive their own failures: each failure is counted in a metric, the loop runs again, and
 * readiness says when one is stuck.
 */
@MockKubernetes
class OperatorLoopsTest {
    KubernetesClient client;

    private static double counter(PrometheusRegistry registry, String name, String task) {
        for (MetricSnapshot m : registry.scrape()) {
            if (m instanceof CounterSnapshot c
                    && c.getMetadata().getPrometheusName().equals(name.replace("_total", ""))) {
                return c.getDataPoints().stream()
                        .filter(p -> task == null || task.equals(p.getLabels().get("task")))
                        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                        .sum();
            }
        }
        return 0;
    }

    @Test
    void aHousekeepingTaskKeepsRunningAfterAnExceptionAndAnErrorAndCountsThem() {
        PrometheusRegistry registry = new PrometheusRegistry();
        AtomicInteger rounds = new AtomicInteger();
        try (Housekeeping housekeeping = new Housekeeping(
                        client, null, registry, "hpc", List::of, Duration.ZERO, Duration.ZERO, Duration.ZERO)
                .also(Duration.ofMillis(20), "flaky", () -> {
                    int n = rounds.incrementAndGet();
                    if (n == 1) {
                        throw new IllegalStateException("the API answered 503");
                    }
                    if (n == 2) {
                        // Before: only RuntimeException was caught; an Error cancelled the task for good.
                        throw new StackOverflowError("a runaway pass");
                    }
                })) {
            await().atMost(Duration.ofSeconds(20)).until(() -> rounds.get() >= 4);
            assertThat(counter(registry, "lustre_csi_periodic_task_failures_total", "flaky"))
                    .isEqualTo(2.0);
            assertThat(housekeeping.readiness())
                    .allSatisfy(r -> assertThat(r.ready()).isTrue());
        }
    }

    @Test
    void aFailedReconcileIsCountedAndAStuckOneMakesTheOperatorNotReady() throws Exception {
        LustreFileSystem fs = Fixtures.tcp("demo", 1);
        fs.getMetadata().setUid(null);
        client.resources(LustreFileSystem.class).inNamespace("hpc").resource(fs).create();
        // The reconciler's reads of the filesystem fail, then hang, as an API server may.
        AtomicReference<String> mode = new AtomicReference<>("fail");
        CountDownLatch release = new CountDownLatch(1);
        KubernetesClient faulty = new KubernetesClientBuilder()
                .withConfig(client.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("faults", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, Interceptor.RequestTags tags) {
                        if (!request.uri().getPath().endsWith("/lustrefilesystems/demo")) {
                            return;
                        }
                        if ("fail".equals(mode.get())) {
                            throw new IllegalStateException("injected API failure");
                        }
                        if ("hang".equals(mode.get())) {
                            try {
                                release.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }
                }))
                .build();
        PrometheusRegistry registry = new PrometheusRegistry();
        var reconciler = new LustreFileSystemReconciler(faulty, null, new EventRecorder(client), null);
        // As OperatorMain runs it: events from the informers the status page reads.
        try (faulty;
                ClusterCache cache = new ClusterCache(faulty, "hpc").start();
                LustreOperator operator = new LustreOperator(faulty, reconciler, "hpc", Duration.ofMillis(100))
                        .countingFailuresIn(registry)
                        .sharing(cache)) {
            operator.start();
            var readiness = operator.readiness(Duration.ofMillis(500), Clock.systemUTC());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> counter(registry, "lustre_operator_reconcile_failures_total", null) >= 2);
            assertThat(readiness.check().ready())
                    .as("failing reconciles are retried, not stuck")
                    .isTrue();

            mode.set("hang");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !readiness.check().ready());
            assertThat(readiness.check().detail()).contains("hpc/demo").contains("stuck");

            mode.set("ok");
            release.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> readiness.check().ready());
        }
    }
}
