package dev.lustrecsi.csi.server;

import io.grpc.BindableService;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Runs a plugin process until SIGTERM/SIGINT: the JVM's shutdown hook stops the server
 * gracefully (no new calls, in-flight calls finish within the grace period).
 */
public final class PluginRunner {

    private PluginRunner() {}

    /** Starts Identity plus the given services and blocks until the process is told to stop. */
    public static void serveUntilStopped(
            CommonOptions options,
            boolean controllerService,
            List<ReadinessCheck> readiness,
            List<BindableService> services)
            throws InterruptedException, IOException {
        List<BindableService> all = new ArrayList<>();
        all.add(new IdentityService(controllerService, readiness));
        all.addAll(services);
        PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
        HTTPServer metrics = startMetrics(options, registry);
        CsiServer server = CsiServer.start(options.endpoint(), all, registry);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LoggerFactory.getLogger(PluginRunner.class).info("signal received: stopping gracefully");
                            server.stop(options.gracePeriod());
                            if (metrics != null) {
                                metrics.stop();
                            }
                            stopped.countDown();
                        },
                        "csi-shutdown"));
        server.awaitTermination();
        stopped.await();
    }

    /** The Prometheus /metrics server on {@code --metrics-address}:{@code --metrics-port}; null when the port is 0. */
    static HTTPServer startMetrics(CommonOptions options, PrometheusRegistry registry) throws IOException {
        return options.metricsPort() > 0
                ? HTTPServer.builder()
                        .hostname(options.metricsAddress())
                        .port(options.metricsPort())
                        .registry(registry)
                        .buildAndStart()
                : null;
    }
}
