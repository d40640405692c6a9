package dev.lustrecsi.csi.server;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Flags every plugin process takes, spelled as the Kubernetes CSI drivers spell them. */
public final class CommonOptions {

    @Option(
            names = "--endpoint",
            defaultValue = "unix:///csi/csi.sock",
            description = "CSI endpoint to serve on (default: ${DEFAULT-VALUE})")
    String endpoint;

    @Option(
            names = "--v",
            defaultValue = "2",
            description = "log verbosity as klog counts it: 0-3 info, 4-5 debug, 6+ trace (default: ${DEFAULT-VALUE})")
    int verbosity;

    @Option(
            names = "--grace-period",
            defaultValue = "30",
            description = "seconds in-flight calls may take to finish after SIGTERM (default: ${DEFAULT-VALUE})")
    int gracePeriodSeconds;

    @Option(
            names = "--metrics-port",
            defaultValue = "0",
            description =
                    "serve Prometheus metrics on this TCP port at /metrics; 0 turns it off (default: ${DEFAULT-VALUE})")
    int metricsPort;

    // 0.0.0.0 keeps earlier installs working; a host-network pod passes its pod IP (the node's address) so
    // the server is not also reachable on every other host interface.
    @Option(
            names = "--metrics-address",
            defaultValue = "0.0.0.0",
            description = "address the metrics server binds to (default: ${DEFAULT-VALUE}, every interface)")
    String metricsAddress;

    public int metricsPort() {
        return metricsPort;
    }

    public String metricsAddress() {
        return metricsAddress;
    }

    public Endpoint endpoint() {
        return Endpoint.parse(endpoint);
    }

    public Duration gracePeriod() {
        return Duration.ofSeconds(gracePeriodSeconds);
    }

    /**
     * Sets the slf4j-simple level from {@code --v}. Must run before the first logger is created,
     * which is why entry points keep no static loggers.
     */
    public void applyLogLevel() {
        String level = verbosity >= 6 ? "trace" : verbosity >= 4 ? "debug" : "info";
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    }
}
