package dev.lustrecsi.csi.server;

import io.grpc.BindableService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Runs a plugin process until SIGTERM/SIGINT: the JVM's shutdown hook stops the server
 * gracefully (no new calls, in-flight calls finish within the grace period).
 */
public final class PluginRunner {

    private PluginRunner() {
    }

    /** Starts Identity plus the given services and blocks until the process is told to stop. */
    public static void serveUntilStopped(CommonOptions options, boolean controllerService,
                                         List<ReadinessCheck> readiness, List<BindableService> services)
            throws InterruptedException {
        List<BindableService> all = new ArrayList<>();
        all.add(new IdentityService(controllerService, readiness));
        all.addAll(services);
        CsiServer server = CsiServer.start(options.endpoint(), all);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LoggerFactory.getLogger(PluginRunner.class).info("signal received: stopping gracefully");
            server.stop(options.gracePeriod());
            stopped.countDown();
        }, "csi-shutdown"));
        server.awaitTermination();
        stopped.await();
    }
}
