package dev.lustrecsi.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The API server's side of the node image's class-data sharing training run (deploy/docker/node-cds-training.sh),
 * never run in a cluster. The plugin reaches it as a pod reaches the API server: over TLS, trusting a CA file,
 * with a bearer token read from a file. It answers the calls of the plugin's first seconds (GET and PATCH of its
 * own Node) with a Node and anything else with a NotFound Status, so the archive holds the TLS handshake, the
 * client's request and response handling and the Node's deserialization: classes a plugin in a cluster loads at
 * every start, which a training run against a port where nothing listens never loads.
 *
 * <pre>java -cp csi-node.jar dev.lustrecsi.node.CdsTrainingApiServer KEYSTORE.p12 PASSWORD PORT-FILE</pre>
 *
 * The key store holds the server's key and its self-signed certificate (keytool makes both); the port it listens
 * on (loopback, chosen by the system) is written to PORT-FILE once it serves.
 */
public final class CdsTrainingApiServer {
    private static final Pattern NODE = Pattern.compile("/api/v1/nodes/([a-z0-9.-]{1,253})");

    private CdsTrainingApiServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: CdsTrainingApiServer KEYSTORE.p12 PASSWORD PORT-FILE");
            System.exit(2);
        }
        HttpsServer server = start(Path.of(args[0]), args[1].toCharArray());
        // Written whole, then renamed: the training script waits for the file and reads it once.
        Path portFile = Path.of(args[2]);
        Path partial = portFile.resolveSibling(portFile.getFileName() + ".partial");
        Files.writeString(partial, Integer.toString(server.getAddress().getPort()));
        Files.move(partial, portFile, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Serves on a loopback port the system chooses, with the key and certificate of the PKCS #12 key store. */
    static HttpsServer start(Path keyStore, char[] password) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            keys.load(in, password);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/", CdsTrainingApiServer::answer);
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String method = exchange.getRequestMethod();
            Matcher node = NODE.matcher(exchange.getRequestURI().getPath());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                // As the API server answers a request without credentials: the training must read its token.
                send(exchange, 401, status(401, "Unauthorized"));
            } else if (node.matches() && (method.equals("GET") || method.equals("PATCH"))) {
                send(exchange, 200, """
                        {"apiVersion":"v1","kind":"Node","metadata":{"name":"%s","resourceVersion":"1"},\
                        "spec":{},"status":{}}""".formatted(node.group(1)));
            } else {
                send(exchange, 404, status(404, "NotFound"));
            }
        }
    }

    private static String status(int code, String reason) {
        return """
                {"apiVersion":"v1","kind":"Status","status":"Failure","reason":"%s","code":%d}""".formatted(reason, code);
    }

    private static void send(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
