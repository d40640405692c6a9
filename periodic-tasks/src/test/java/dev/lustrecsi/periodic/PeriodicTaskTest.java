package dev.lustrecsi.periodic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.testing.time.ManualClock;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTaskTest {

    private static double failures(PrometheusRegistry registry) {
        return registry.scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("lustre_csi_periodic_task_failures"))
                .map(CounterSnapshot.class::cast)
                .flatMap(s -> s.getDataPoints().stream())
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
    }

    @Test
    void aFailedPassIsCountedAndTheNextPassStillRuns() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        AtomicInteger passes = new AtomicInteger();
        CountDownLatch thirdPass = new CountDownLatch(3);
        PeriodicTask task = new PeriodicTask(
                "reconcile", Duration.ofMinutes(1), new PeriodicTask.Metrics(registry), Clock.systemUTC(), () -> {
                    thirdPass.countDown();
                    if (passes.incrementAndGet() <= 2) {
                        throw new IllegalStateException("API answered 503");
                    }
                });
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try {
            task.schedule(executor, Duration.ZERO, Duration.ofMillis(10));
            assertThat(thirdPass.await(30, TimeUnit.SECONDS))
                    .as("the task ran again after two failed passes")
                    .isTrue();
        } finally {
            executor.shutdownNow();
        }
        assertThat(failures(registry)).isEqualTo(2.0);
        assertThat(task.readiness().check().ready()).isTrue();
    }

    @Test
    void anErrorDoesNotCancelTheTaskEither() {
        PeriodicTask task = new PeriodicTask(
                "t",
                Duration.ofMinutes(1),
                new PeriodicTask.Metrics(new PrometheusRegistry()),
                Clock.systemUTC(),
                () -> {
                    throw new StackOverflowError();
                });
        task.run();
        task.run();
        assertThat(task.readiness().check().detail())
                .contains("last pass failed")
                .contains("StackOverflowError");
    }

    @Test
    void readinessFailsWhileAPassRunsTooLongAndWhenNoneRanForTooLong() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PeriodicTask stuck = new PeriodicTask(
                "pool reconcile",
                Duration.ofMinutes(5),
                new PeriodicTask.Metrics(new PrometheusRegistry()),
                clock,
                () -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        Thread pass = new Thread(stuck);
        pass.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        clock.advance(Duration.ofMinutes(4));
        assertThat(stuck.readiness().check().ready()).isTrue();
        clock.advance(Duration.ofMinutes(2));
        assertThat(stuck.readiness().check()).satisfies(r -> {
            assertThat(r.ready()).isFalse();
            assertThat(r.detail()).contains("pool reconcile has been running for 360 s");
        });
        release.countDown();
        pass.join();
        assertThat(stuck.readiness().check().ready()).isTrue();
        clock.advance(Duration.ofMinutes(6));
        assertThat(stuck.readiness().check().detail()).contains("has not run for 360 s");
    }
}
