package dev.lustrecsi.cli;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;

/** {@code -o json|yaml} for scripts; the default is text for people. */
enum OutputFormat {
    text,
    json,
    yaml;

    /** Prints an object (a resource, a list, a map) as JSON or YAML; never called for {@link #text}. */
    void print(PrintWriter out, Object value) {
        switch (this) {
            case json -> out.println(prettyJson(value));
            case yaml -> out.print(Serialization.asYaml(value));
            case text -> throw new IllegalStateException("text output is written by each command");
        }
        out.flush();
    }

    private static String prettyJson(Object value) {
        try {
            return Serialization.jsonMapper().writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
