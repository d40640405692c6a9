package dev.lustrecsi.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * An HTTP proxy in front of the mock API server that makes it misbehave the way a real API server does under
 * load or during an upgrade: answer 409/500/503 instead of doing the work, do the work and lose the answer
 * (the client sees 500 and retries a write that already happened), or answer slowly. The controller's
 * kubeconfig points here; the operator and KubeVirt simulator talk to the mock server directly. A second
 * instance, with no fault armed, fronts the mock server for kubectl: it also answers the discovery documents
 * kubectl reads first ({@link Discovery}), which the mock server lacks, and refuses OpenAPI (kubectl then skips
 * client-side validation).
 */
public final class ApiFaultProxy implements AutoCloseable {
    /** What a matching request suffers. */
    public enum Kind {
        /** The request is refused with the status code; nothing is changed. */
        REJECT,
        /** The request is carried out, then the answer is replaced by the status code. */
        LOSE_RESPONSE,
        /** The request waits the given time, then goes through. */
        DELAY
    }

    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "content-length",
            "host",
            "transfer-encoding",
            "upgrade",
            "keep-alive",
            "expect",
            "te",
            "trailer",
            "proxy-connection",
            "http2-settings");

    private record Rule(String method, Pattern path, Kind kind, int status, Duration delay, AtomicInteger remaining) {
        boolean matches(String m, String p) {
            return (method == null || method.equalsIgnoreCase(m))
                    && path.matcher(p).find();
        }
    }

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
        Thread t = new Thread(r, "api-fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger injected = new AtomicInteger();
    private final java.util.Map<String, String> documents;

    public ApiFaultProxy(String upstreamUrl) {
        this(upstreamUrl, java.util.Map.of());
    }

    /** A proxy that also answers {@code documents} (path to JSON) itself. */
    ApiFaultProxy(String upstreamUrl, java.util.Map<String, String> documents) {
        this.documents = java.util.Map.copyOf(documents);
        this.upstream = URI.create(
                upstreamUrl.endsWith("/") ? upstreamUrl.substring(0, upstreamUrl.length() - 1) : upstreamUrl);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The next {@code times} requests whose method matches ({@code null}: any) and whose path contains a match of
     * {@code pathRegex} suffer {@code kind}.
     */
    public void inject(int times, String method, String pathRegex, Kind kind, int status, Duration delay) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), kind, status, delay, new AtomicInteger(times)));
    }

    public void reject(int times, String method, String pathRegex, int status) {
        inject(times, method, pathRegex, Kind.REJECT, status, Duration.ZERO);
    }

    public void loseResponse(int times, String method, String pathRegex) {
        inject(times, method, pathRegex, Kind.LOSE_RESPONSE, 500, Duration.ZERO);
    }

    public void delay(int times, String method, String pathRegex, Duration delay) {
        inject(times, method, pathRegex, Kind.DELAY, 0, delay);
    }

    /** Every request is refused with 503 until {@link #clear()}: the API server is down. */
    public void down() {
        inject(Integer.MAX_VALUE, null, ".", Kind.REJECT, 503, Duration.ZERO);
    }

    public void clear() {
        rules.clear();
    }

    /** How many requests were given a fault so far. */
    public int injected() {
        return injected.get();
    }

    /** Faults still armed (not yet used up). */
    public int pending() {
        return rules.stream().mapToInt(r -> Math.max(0, r.remaining().get())).sum();
    }

    private Rule take(String method, String path) {
        for (Rule r : rules) {
            if (r.matches(method, path) && r.remaining().getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                injected.incrementAndGet();
                return r;
            }
        }
        return null;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            if (!documents.isEmpty() && "GET".equals(method)) {
                String doc = documents.get(uri.getRawPath());
                if (doc != null || uri.getRawPath().startsWith("/openapi")) {
                    sendJson(exchange, doc == null ? 404 : 200, doc == null ? "{}" : doc);
                    return;
                }
            }
            boolean watch = "GET".equals(method)
                    && uri.getRawQuery() != null
                    && (uri.getRawQuery().contains("watch=true")
                            || uri.getRawQuery().contains("watch=1"));
            if (watch && exchange.getRequestHeaders().containsKey("Sec-WebSocket-Key")) {
                // This proxy (a JDK HttpServer) cannot tunnel a WebSocket. Forwarded without its Upgrade header,
                // a fabric8 client's WebSocket watch used to reach the mock server as a plain GET, which the mock
                // answers 400; fabric8 treats that as fatal (an operator started against the demo's kubeconfig
                // died on its first watch). On 503 fabric8 7 falls back to an HTTP watch
                // (BaseOperation.submitWatch: "Websocket handshake failed with code {}, but an httpwatch may be
                // possible"), which bridgeWatch serves.
                sendStatus(exchange, 503, "WebSocket watches are not proxied here; use an HTTP watch");
                return;
            }
            Rule fault = take(method, uri.getRawPath());
            if (fault != null && fault.kind() == Kind.REJECT) {
                sendStatus(exchange, fault.status());
                return;
            }
            if (fault != null && fault.kind() == Kind.DELAY) {
                sleep(fault.delay());
            }
            if (watch) {
                bridgeWatch(exchange, uri);
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(
                            upstream + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .method(
                            method,
                            body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((k, values) -> {
                if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> forward.header(k, v));
                }
            });
            HttpResponse<InputStream> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sendStatus(exchange, 503);
                return;
            } catch (IOException e) {
                sendStatus(exchange, 503);
                return;
            }
            if (fault != null && fault.kind() == Kind.LOSE_RESPONSE) {
                response.body().close();
                sendStatus(exchange, fault.status());
                return;
            }
            response.headers().map().forEach((k, values) -> {
                if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    exchange.getResponseHeaders().put(k, values);
                }
            });
            try (InputStream in = response.body()) {
                byte[] bytes = in.readAllBytes();
                exchange.sendResponseHeaders(response.statusCode(), bytes.length == 0 ? -1 : bytes.length);
                if (bytes.length > 0) {
                    exchange.getResponseBody().write(bytes);
                }
            }
        }
    }

    /**
     * An HTTP watch (what kubectl and fabric8's fallback use: one JSON WatchEvent per line of a streamed
     * response) served from the mock server's WebSocket watch, the only kind the mock implements (its CRUD
     * dispatcher answers a watch with a WebSocket upgrade): each text message upstream becomes one line here.
     */
    private void bridgeWatch(HttpExchange exchange, URI uri) throws IOException {
        URI upstreamWatch = URI.create(
                upstream.toString().replaceFirst("^http", "ws") + uri.getRawPath() + "?" + uri.getRawQuery());
        OutputStream out = exchange.getResponseBody();
        CompletableFuture<Void> done = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    try {
                        out.write((message.toString().strip() + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (IOException e) {
                        done.complete(null); // the watcher went away
                    }
                    message.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                done.complete(null);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                done.complete(null);
            }
        };
        // Headers first: the mock sends the current objects as soon as the WebSocket is open.
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        WebSocket ws;
        try {
            ws = client.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(upstreamWatch, listener)
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException e) {
            return; // an empty, ended watch: the client watches again
        }
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // completed normally only
        } finally {
            ws.abort();
        }
    }

    private static void sendStatus(HttpExchange exchange, int code) throws IOException {
        sendStatus(exchange, code, null);
    }

    private static void sendStatus(HttpExchange exchange, int code, String message) throws IOException {
        String reason = switch (code) {
            case 409 -> "Conflict";
            case 429 -> "TooManyRequests";
            case 503 -> "ServiceUnavailable";
            default -> "InternalError";
        };
        byte[] body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                        + "\"message\":\"" + (message == null ? "injected fault: " + reason : message)
                        + "\",\"reason\":\""
                        + reason + "\",\"code\":" + code + "}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void sendJson(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
