package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A hand-written CRD as deploy/crds ships it, and what every CRD must share with its Java resource. */
final class DeployedCrd {
    private static final Path DIR = Path.of("../../deploy/crds");

    private DeployedCrd() {}

    static CustomResourceDefinition read(String file) throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
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
}
