package dev.lustrecsi.provisioner;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The KubeVirt manifests and the server topology are pure functions of the LustreFileSystem: they are computed
 * and golden-tested without an API server, so they may use the Kubernetes model classes but never the client.
 */
class PackageDependenciesTest {
    private static final String CLIENT = "io.fabric8.kubernetes.client..";
    private static final JavaClasses OPERATOR = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lustrecsi.provisioner");

    private static ArchRule noKubernetesClientIn(String... packages) {
        return noClasses()
                .that()
                .resideInAnyPackage(packages)
                .should()
                .dependOnClassesThat()
                .resideInAPackage(CLIENT)
                .because("manifests and topology are computed without an API server");
    }

    @Test
    void manifestsAndTopologyAreComputedWithoutTheKubernetesClient() {
        noKubernetesClientIn("dev.lustrecsi.provisioner.manifest..", "dev.lustrecsi.provisioner.topology..")
                .check(OPERATOR);
    }

    @Test
    void theRuleCatchesAPackageThatTalksToTheApiServer() {
        // The reconciler reads and writes through the client: the same rule must reject it.
        assertThatThrownBy(() -> noKubernetesClientIn("dev.lustrecsi.provisioner.reconcile..")
                        .check(OPERATOR))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("io.fabric8.kubernetes.client");
    }
}
