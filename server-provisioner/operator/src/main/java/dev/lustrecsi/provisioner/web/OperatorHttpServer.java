package dev.lustrecsi.provisioner.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's one HTTP port: {@code /} the read-only status page, {@code /metrics} Prometheus,
 * {@code /healthz} liveness (the process answers) and {@code /readyz} readiness (the given check, e.g. the
 * operator is running and the API server answers). Only GET and HEAD; nothing here changes anything.
 */
public final class OperatorHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorHttpServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private OperatorHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code address} (port 0: any free port) and starts serving. */
    public static OperatorHttpServer start(
            InetSocketAddress address, PrometheusRegistry registry, StatusPage page, BooleanSupplier ready)
            throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        MetricsHandler metrics = new MetricsHandler(registry);
        server.createContext("/metrics", exchange -> {
            if (allowed(exchange)) {
                metrics.handle(exchange);
            }
        });
        server.createContext("/healthz", exchange -> {
            if (allowed(exchange)) {
                send(exchange, 200, "text/plain; charset=utf-8", "ok\n");
            }
        });
        server.createContext("/readyz", exchange -> {
            if (allowed(exchange)) {
                boolean ok = safely(ready);
                send(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ready\n" : "not ready\n");
            }
        });
        server.createContext("/", exchange -> {
            if (!allowed(exchange)) {
                return;
            }
            if (!"/".equals(exchange.getRequestURI().getPath())) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n");
                return;
            }
            String html;
            try {
                html = page.render();
            } catch (RuntimeException e) {
                LOG.warn("status page failed: {}", e.toString());
                send(
                        exchange,
                        503,
                        "text/plain; charset=utf-8",
                        "cannot read the cluster state: " + e.getClass().getSimpleName() + "\n");
                return;
            }
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            // The page has no scripts, and never needs to be framed or to load anything from elsewhere.
            exchange.getResponseHeaders()
                    .set(
                            "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            send(exchange, 200, "text/html; charset=utf-8", html);
        });
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "operator-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info(
                "status page, /metrics, /healthz and /readyz on port {}",
                server.getAddress().getPort());
        return new OperatorHttpServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean safely(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean allowed(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "read-only\n");
        return false;
    }

    private static void send(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
