package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A hand-written CRD as deploy/crds ships it, and what every CRD must share with its Java resource. */
final class DeployedCrd {
    private static final Path DIR = Path.of("../../deploy/crds");

    private DeployedCrd() {}

    /** The CRD of the resource, from its file {@code <group>_<plural>.yaml} (controller-gen's naming). */
    static CustomResourceDefinition of(Class<? extends HasMetadata> resource) {
        String file = HasMetadata.getGroup(resource) + "_" + HasMetadata.getPlural(resource) + ".yaml";
        try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Name, group, kind, plural and its single version are the Java resource's; the resource is namespaced. */
    static void assertDescribes(CustomResourceDefinition crd, Class<? extends HasMetadata> resource) {
        assertThat(crd.getMetadata().getName()).isEqualTo(HasMetadata.getFullResourceName(resource));
        assertThat(crd.getSpec().getGroup()).isEqualTo(HasMetadata.getGroup(resource));
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo(HasMetadata.getKind(resource));
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(HasMetadata.getPlural(resource));
        assertThat(crd.getSpec().getVersions())
                .singleElement()
                .satisfies(v -> assertThat(v.getName()).isEqualTo(HasMetadata.getVersion(resource)));
    }

    /** What {@code kubectl get} shows: each printer column as {@code name=jsonPath}, in order. */
    static List<String> printerColumns(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
                .map(c -> c.getName() + "=" + c.getJsonPath())
                .toList();
    }
}
