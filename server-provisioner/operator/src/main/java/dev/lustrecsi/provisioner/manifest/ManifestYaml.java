package dev.lustrecsi.provisioner.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.fabric8.kubernetes.model.jackson.GoCompatibilityModule;
import io.fabric8.kubernetes.model.jackson.UnmatchedFieldTypeModule;

/** YAML as a person reads it: multi-line strings (cloud-init, scripts) as literal blocks, no document marker. */
public final class ManifestYaml {
    /**
     * Kubernetes types as the API server expects them: the serialisation settings of fabric8's
     * KubernetesSerialization.configureMapper (kubernetes-client-api 7.7.0), built from the model's own modules
     * so that this package needs no Kubernetes client.
     */
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModules(new JavaTimeModule(), new GoCompatibilityModule(), new UnmatchedFieldTypeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .setDefaultPropertyInclusion(
                    JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ManifestYaml() {}

    public static String write(Object value) {
        try {
            // Through the Kubernetes JSON mapping first, so Kubernetes types serialise as the API server expects.
            Object tree = JSON.valueToTree(value);
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
