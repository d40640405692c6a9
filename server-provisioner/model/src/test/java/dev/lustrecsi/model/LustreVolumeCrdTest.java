package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The hand-written LustreVolume CRD in deploy/crds must describe exactly the Java record the controller writes. */
class LustreVolumeCrdTest {

    private final CustomResourceDefinition crd = DeployedCrd.of(LustreVolume.class);

    @Test
    void namesMatchTheJavaResourceInTheDriversOwnGroup() {
        DeployedCrd.assertDescribes(crd, LustreVolume.class);
        assertThat(crd.getMetadata().getName()).isEqualTo(LustreVolume.CRD_NAME);
        assertThat(crd.getSpec().getGroup()).isEqualTo(LustreFileSystem.GROUP);
    }

    @Test
    void kubectlGetShowsPoolVolumeStateSizeProjectAndClaim() {
        assertThat(DeployedCrd.printerColumns(crd))
                .containsExactly(
                        "Pool=.spec.pool",
                        "Volume=.spec.volumeName",
                        "State=.spec.state",
                        "Bytes=.spec.capacityBytes",
                        "Project=.spec.projectId",
                        "PVC=.spec.pvc",
                        "Age=.metadata.creationTimestamp");
    }

    @Test
    void schemaPropertiesAndEnumsAreExactlyTheModels() {
        JSONSchemaProps spec = crd.getSpec()
                .getVersions()
                .get(0)
                .getSchema()
                .getOpenAPIV3Schema()
                .getProperties()
                .get("spec");
        ObjectMapper mapper = Serialization.jsonMapper();
        Set<String> javaNames = mapper
                .getSerializationConfig()
                .introspect(mapper.constructType(LustreVolumeSpec.class))
                .findProperties()
                .stream()
                .map(BeanPropertyDefinition::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(spec.getProperties().keySet())).isEqualTo(javaNames);
        assertThat(spec.getProperties().get("state").getEnum())
                .extracting(n -> n.asText())
                .containsExactly(
                        Arrays.stream(VolumeState.values()).map(Enum::name).toArray(String[]::new));
        assertThat(spec.getProperties().get("onDelete").getEnum())
                .extracting(n -> n.asText())
                .containsExactly(
                        Arrays.stream(VolumeReclaim.values()).map(Enum::name).toArray(String[]::new));
    }
}
