package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lustrecsi.testing.kube.Crds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The typed KubeVirt models are generated from a trimmed copy of KubeVirt's CRDs (src/main/kubevirt-crds);
 * every field of that copy must exist in KubeVirt's real CRD (as virt-operator installs it, from
 * {@code bin/install-test-tools}) with the same type, so the models cannot drift from KubeVirt.
 */
class TrimmedKubeVirtCrdsTest {
    private static final Path TRIMMED = Path.of("src/main/kubevirt-crds");

    @ParameterizedTest
    @ValueSource(strings = {"virtualmachines.kubevirt.io", "virtualmachineinstances.kubevirt.io"})
    void everyFieldOfTheTrimmedCopyIsInKubeVirtsRealSchemaWithTheSameType(String crd) throws IOException {
        Assumptions.assumeTrue(
                Files.isRegularFile(Crds.kubeVirtFile()),
                () -> "KubeVirt's real CRDs are not installed at " + Crds.kubeVirtFile() + " (bin/install-test-tools)");
        JsonNode trimmed =
                new YAMLMapper().readTree(TRIMMED.resolve(crd + ".yaml").toFile());
        JsonNode real = null;
        for (JsonNode item :
                new ObjectMapper().readTree(Crds.kubeVirtFile().toFile()).path("items")) {
            if (crd.equals(item.path("metadata").path("name").asText())) {
                real = item;
            }
        }
        assertThat(real).as("%s in %s", crd, Crds.kubeVirtFile()).isNotNull();
        for (String name : List.of("kind", "plural", "singular")) {
            assertThat(trimmed.path("spec").path("names").path(name))
                    .isEqualTo(real.path("spec").path("names").path(name));
        }
        assertThat(trimmed.path("spec").path("group"))
                .isEqualTo(real.path("spec").path("group"));

        List<String> differences = new ArrayList<>();
        int[] fields = {0};
        compare("", schema(trimmed), schema(real), differences, fields);
        assertThat(differences)
                .as("fields of the trimmed %s that KubeVirt's schema does not have so", crd)
                .isEmpty();
        assertThat(fields[0]).as("fields compared").isGreaterThan(20);
    }

    private static JsonNode schema(JsonNode crd) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if ("v1".equals(v.path("name").asText())) {
                return v.path("schema").path("openAPIV3Schema");
            }
        }
        throw new AssertionError("no v1 version");
    }

    private static void compare(String path, JsonNode ours, JsonNode theirs, List<String> differences, int[] fields) {
        fields[0]++;
        String ourType = type(ours);
        String theirType = type(theirs);
        if (!ourType.equals(theirType)) {
            differences.add(path + ": ours " + ourType + ", KubeVirt's " + theirType);
            return;
        }
        if (theirs.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                && theirs.path("properties").isMissingNode()) {
            return; // KubeVirt takes any fields here (e.g. template.metadata).
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = ours.path("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode theirField = theirs.path("properties").path(field.getKey());
            if (theirField.isMissingNode()) {
                differences.add(path + "." + field.getKey() + ": not in KubeVirt's schema");
            } else {
                compare(path + "." + field.getKey(), field.getValue(), theirField, differences, fields);
            }
        }
        if (ours.has("items")) {
            compare(path + "[]", ours.path("items"), theirs.path("items"), differences, fields);
        }
        if (ours.path("additionalProperties").isObject()) {
            compare(
                    path + "{}",
                    ours.path("additionalProperties"),
                    theirs.path("additionalProperties"),
                    differences,
                    fields);
        }
        for (JsonNode required : ours.path("required")) {
            boolean theirsToo = false;
            for (JsonNode r : theirs.path("required")) {
                theirsToo |= r.asText().equals(required.asText());
            }
            if (!theirsToo) {
                differences.add(path + "." + required.asText() + ": required in ours, optional in KubeVirt's");
            }
        }
    }

    private static String type(JsonNode schema) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return "int-or-string";
        }
        return schema.path("type").asText("(none)");
    }
}
