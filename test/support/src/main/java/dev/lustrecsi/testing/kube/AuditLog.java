package dev.lustrecsi.testing.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The API server's audit log (JSON lines, level Metadata), read as the requests it records. */
public final class AuditLog {
    private AuditLog() {}

    /**
     * One request as the API server authorized it.
     *
     * @param user        the authenticated user, e.g. {@code system:serviceaccount:lustre-csi:lustre-csi-controller}
     * @param verb        the RBAC verb (get, list, watch, create, update, patch, delete, deletecollection)
     * @param apiGroup    "" for the core group
     * @param resource    plural resource, empty for a non-resource URL
     * @param subresource e.g. status, finalizers, token; empty when none
     * @param namespace   empty for cluster-scoped requests
     * @param name        the object's name, empty for list/watch/create without a name
     * @param code        the HTTP status the API server answered
     * @param uri         the request URI
     */
    public record Request(
            String user,
            String verb,
            String apiGroup,
            String resource,
            String subresource,
            String namespace,
            String name,
            int code,
            String uri) {
        /** {@code resource/subresource}, as RBAC rules name it. */
        public String rbacResource() {
            return subresource.isEmpty() ? resource : resource + "/" + subresource;
        }
    }

    public static List<Request> read(Path log) {
        ObjectMapper json = new ObjectMapper();
        List<Request> out = new ArrayList<>();
        // A watch is recorded when its response starts (ResponseStarted) and again when it ends, which may be
        // never during a run: each request counts once, at its first record.
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.filter(l -> !l.isBlank()).forEach(line -> {
                try {
                    JsonNode e = json.readTree(line);
                    String stage = e.path("stage").asText();
                    if (!("ResponseComplete".equals(stage) || "ResponseStarted".equals(stage))
                            || !seen.add(e.path("auditID").asText())) {
                        return;
                    }
                    JsonNode ref = e.path("objectRef");
                    out.add(new Request(
                            e.path("user").path("username").asText(),
                            e.path("verb").asText(),
                            ref.path("apiGroup").asText(""),
                            ref.path("resource").asText(""),
                            ref.path("subresource").asText(""),
                            ref.path("namespace").asText(""),
                            ref.path("name").asText(""),
                            e.path("responseStatus").path("code").asInt(),
                            e.path("requestURI").asText()));
                } catch (IOException ex) {
                    // A line cut while the server was writing it (the log is read while it runs).
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
