package dev.lustrecsi.testing.kube;

import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** CustomResourceDefinitions on the control plane: KubeVirt's real ones, or any others, installed and Established. */
public final class Crds {
    private Crds() {}

    /**
     * KubeVirt's CRDs for VirtualMachine, VirtualMachineInstance and VirtualMachineInstanceMigration exactly
     * as virt-operator installs them (a {@code List}, next to the binaries: {@code bin/install-test-tools}).
     */
    public static Path kubeVirtFile() {
        return ControlPlane.assets().resolve("kubevirt-crds.json");
    }

    public static List<CustomResourceDefinition> kubeVirt() {
        try {
            KubernetesList list = Serialization.unmarshal(Files.readString(kubeVirtFile()), KubernetesList.class);
            return list.getItems().stream()
                    .map(CustomResourceDefinition.class::cast)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("KubeVirt's CRDs not readable at " + kubeVirtFile(), e);
        }
    }

    /** Creates (or updates) each CRD and waits until the API server serves it. */
    public static void install(KubernetesClient client, List<CustomResourceDefinition> crds) {
        for (CustomResourceDefinition crd : crds) {
            crd.getMetadata().setResourceVersion(null);
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .resource(crd)
                    .serverSideApply();
        }
        for (CustomResourceDefinition crd : crds) {
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(crd.getMetadata().getName())
                    .waitUntilCondition(
                            c -> c != null
                                    && c.getStatus() != null
                                    && c.getStatus().getConditions() != null
                                    && c.getStatus().getConditions().stream()
                                            .anyMatch(k ->
                                                    "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                            60,
                            TimeUnit.SECONDS);
        }
    }

    /** KubeVirt's CRDs on the control plane (idempotent). */
    public static void installKubeVirt(KubernetesClient client) {
        install(client, kubeVirt());
    }
}
