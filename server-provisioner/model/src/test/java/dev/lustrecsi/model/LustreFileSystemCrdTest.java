package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The hand-written CRD in deploy/crds must describe exactly the Java model the operator and controller use. */
class LustreFileSystemCrdTest {

    private final CustomResourceDefinition crd = DeployedCrd.of(LustreFileSystem.class);

    @Test
    void namesMatchTheJavaResource() {
        DeployedCrd.assertDescribes(crd, LustreFileSystem.class);
        assertThat(crd.getMetadata().getName()).isEqualTo(LustreFileSystem.CRD_NAME);
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("lustrefs");
        assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus())
                .isNotNull();
    }

    @Test
    void printerColumnsShowPhaseOstsStandbyCapacityNidsAndAge() {
        assertThat(DeployedCrd.printerColumns(crd))
                .containsExactly(
                        "Phase=.status.phase",
                        "OSTs=.status.activeOsts",
                        "Standby=.status.standbyOsts",
                        "Capacity=.status.capacity",
                        "MGS NIDs=.status.mgsNidsText",
                        "Age=.metadata.creationTimestamp");
    }

    @Test
    void schemaPropertiesAreExactlyTheModelProperties() {
        JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        ObjectMapper mapper = Serialization.jsonMapper();
        compare("spec", root.getProperties().get("spec"), mapper.constructType(LustreFileSystemSpec.class), mapper);
        compare(
                "status",
                root.getProperties().get("status"),
                mapper.constructType(LustreFileSystemStatus.class),
                mapper);
    }

    @Test
    void enumsInTheSchemaAreTheJavaEnums() {
        JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        JSONSchemaProps spec = root.getProperties().get("spec");
        JSONSchemaProps status = root.getProperties().get("status");
        assertThat(enumValues(status.getProperties().get("phase"))).containsExactly(names(Phase.values()));
        assertThat(enumValues(spec.getProperties().get("diskDeletionPolicy")))
                .containsExactly(names(DiskDeletionPolicy.values()));
        assertThat(enumValues(
                        spec.getProperties().get("network").getProperties().get("type")))
                .containsExactly("tcp", "o2ib");
        JSONSchemaProps target =
                status.getProperties().get("targets").getItems().getSchema();
        assertThat(enumValues(target.getProperties().get("state"))).containsExactly(names(TargetState.values()));
        assertThat(enumValues(target.getProperties().get("kind"))).containsExactly(names(TargetKind.values()));
    }

    private static List<String> enumValues(JSONSchemaProps p) {
        return p.getEnum().stream().map(n -> n.asText()).toList();
    }

    private static String[] names(Enum<?>[] values) {
        return java.util.Arrays.stream(values).map(Enum::name).toArray(String[]::new);
    }

    private static void compare(String path, JSONSchemaProps schema, JavaType type, ObjectMapper mapper) {
        List<BeanPropertyDefinition> props =
                mapper.getSerializationConfig().introspect(type).findProperties();
        Set<String> javaNames = new TreeSet<>();
        for (BeanPropertyDefinition p : props) {
            if (p.hasGetter() && p.getGetter().hasAnnotation(com.fasterxml.jackson.annotation.JsonIgnore.class)) {
                continue;
            }
            javaNames.add(p.getName());
        }
        assertThat(new TreeSet<>(schema.getProperties().keySet())).as(path).isEqualTo(javaNames);
        for (BeanPropertyDefinition p : props) {
            if (!javaNames.contains(p.getName())) {
                continue;
            }
            JavaType propType = p.getPrimaryType();
            JSONSchemaProps child = schema.getProperties().get(p.getName());
            String childPath = path + "." + p.getName();
            if (propType.getRawClass() == Quantity.class) {
                assertThat(child.getXKubernetesIntOrString()).as(childPath).isTrue();
            } else if (isModel(propType.getRawClass())) {
                assertThat(child.getType()).as(childPath).isEqualTo("object");
                compare(childPath, child, propType, mapper);
            } else if (propType.isCollectionLikeType()
                    && isModel(propType.getContentType().getRawClass())) {
                compare(childPath + "[]", child.getItems().getSchema(), propType.getContentType(), mapper);
            } else if (propType.isCollectionLikeType()) {
                assertThat(child.getType()).as(childPath).isEqualTo("array");
            } else if (Map.class.isAssignableFrom(propType.getRawClass())) {
                assertThat(child.getType()).as(childPath).isEqualTo("object");
            }
        }
    }

    private static boolean isModel(Class<?> c) {
        return c.getPackageName().equals(LustreFileSystem.class.getPackageName()) && !c.isEnum();
    }
}
