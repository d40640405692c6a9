package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lustrecsi.controller.StorageClassParameters;
import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.VolumeContextKeys;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.lustre.MgsNids;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example is valid YAML of known Kubernetes types with no misspelt fields, uses the driver's real
 * names and parameters (checked by the controller's own parser and the csi-api volume-id codec), and
 * shows what its header says it shows.
 */
class ExamplesTest {

    static Stream<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(RepoFiles.EXAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static Rendered load(String file) {
        return Rendered.parse(RepoFiles.read(RepoFiles.EXAMPLES.resolve(file)));
    }

    static Rendered all() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path p : exampleFiles().toList()) {
            sb.append(RepoFiles.read(p)).append("\n---\n");
        }
        return Rendered.parse(sb.toString());
    }

    @Test
    void theExamplesTheDocumentationPromisesExist() throws IOException {
        assertThat(exampleFiles().map(p -> p.getFileName().toString()))
                .contains(
                        "storageclass-shared.yaml",
                        "storageclass-dedicated.yaml",
                        "storageclass-rdma.yaml",
                        "pvc-rwx-two-pods.yaml",
                        "hpc-ior-job.yaml",
                        "research-workspace.yaml",
                        "static-pv-external.yaml");
    }

    @ParameterizedTest
    @MethodSource("exampleFiles")
    void everyDocumentIsATypedObjectWithoutUnknownFields(Path file) {
        Rendered r = Rendered.parse(RepoFiles.read(file));
        assertThat(r.objects).as(file + " has documents").isNotEmpty();
        for (HasMetadata o : r.objects) {
            String what = file.getFileName() + ": " + o.getKind() + "/"
                    + o.getMetadata().getName();
            assertThat(o).as(what + " is a known Kubernetes type").isNotInstanceOf(GenericKubernetesResource.class);
            assertThat(StrictModel.unknownFields(o))
                    .as(what + " fields the API server would drop")
                    .isEmpty();
            assertThat(o.getMetadata().getName()).as(what).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
        }
    }

    @Test
    void everyStorageClassUsesTheDriverAndParametersTheControllerAccepts() throws IOException {
        List<StorageClass> classes = all().all(StorageClass.class);
        assertThat(classes).hasSizeGreaterThanOrEqualTo(3);
        for (StorageClass sc : classes) {
            assertThat(sc.getProvisioner()).isEqualTo(DriverNames.DRIVER_NAME);
            assertThatCode(() -> StorageClassParameters.parse(sc.getParameters()))
                    .as(sc.getMetadata().getName())
                    .doesNotThrowAnyException();
            assertThat(sc.getAllowVolumeExpansion())
                    .as(sc.getMetadata().getName())
                    .isTrue();
        }
    }

    @Test
    void installingTheChartAndThenApplyingTheExamplesNeverRedefinesAClass() throws IOException {
        // A StorageClass's parameters are immutable: an example class named like the chart's would fail to apply.
        List<String> chartClasses = Rendered.parse(Helm.template()).all(StorageClass.class).stream()
                .map(sc -> sc.getMetadata().getName())
                .toList();
        assertThat(chartClasses).isNotEmpty();
        List<String> exampleClasses = all().all(StorageClass.class).stream()
                .map(sc -> sc.getMetadata().getName())
                .toList();
        assertThat(exampleClasses).doesNotContainAnyElementsOf(chartClasses);
    }

    @Test
    void sharedAndDedicatedClassesSayWhatTheyAre() {
        StorageClassParameters shared = StorageClassParameters.parse(load("storageclass-shared.yaml")
                .one(StorageClass.class, "lustre-shared")
                .getParameters());
        assertThat(shared.mode()).isEqualTo(StorageClassParameters.Mode.SHARED);
        assertThat(shared.pool()).isNotBlank();
        StorageClassParameters dedicated = StorageClassParameters.parse(load("storageclass-dedicated.yaml")
                .one(StorageClass.class, "lustre-dedicated")
                .getParameters());
        assertThat(dedicated.mode()).isEqualTo(StorageClassParameters.Mode.DEDICATED);
    }

    @Test
    void rdmaClassIsRestrictedToNodesWithAnO2ibNetwork() {
        StorageClass sc = load("storageclass-rdma.yaml").one(StorageClass.class, "lustre-rdma");
        StorageClassParameters p = StorageClassParameters.parse(sc.getParameters());
        assertThat(p.network().lnetName()).isEqualTo("o2ib");
        assertThat(p.networkAttachment()).isPresent();
        assertThat(sc.getAllowedTopologies())
                .singleElement()
                .satisfies(t -> assertThat(t.getMatchLabelExpressions())
                        .singleElement()
                        .satisfies(e -> {
                            assertThat(e.getKey()).isEqualTo(DriverNames.TOPOLOGY_LNET_O2IB);
                            assertThat(e.getValues()).containsExactly("true");
                        }));
        // Pods pick the node; the claim must wait for them so the topology constraint can apply.
        assertThat(sc.getVolumeBindingMode()).isEqualTo("WaitForFirstConsumer");
    }

    @Test
    void everyClaimNamesAClassOrAVolumeTheExamplesDefine() throws IOException {
        Rendered r = all();
        List<String> classes = r.all(StorageClass.class).stream()
                .map(s -> s.getMetadata().getName())
                .toList();
        for (PersistentVolumeClaim pvc : r.all(PersistentVolumeClaim.class)) {
            String sc = pvc.getSpec().getStorageClassName();
            if (sc == null || sc.isEmpty()) {
                assertThat(r.find(PersistentVolume.class, pvc.getSpec().getVolumeName()))
                        .as(pvc.getMetadata().getName() + " binds a static PV the examples define")
                        .isPresent();
            } else {
                assertThat(classes).as(pvc.getMetadata().getName() + "'s class").contains(sc);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("exampleFiles")
    void everyPodVolumeClaimIsDefinedInTheSameFile(Path file) {
        Rendered r = Rendered.parse(RepoFiles.read(file));
        for (PodSpec pod : podSpecs(r)) {
            for (Volume v : pod.getVolumes()) {
                if (v.getPersistentVolumeClaim() != null) {
                    assertThat(r.find(
                                    PersistentVolumeClaim.class,
                                    v.getPersistentVolumeClaim().getClaimName()))
                            .as(file.getFileName() + " claim "
                                    + v.getPersistentVolumeClaim().getClaimName())
                            .isPresent();
                }
            }
            for (Container c : pod.getContainers()) {
                for (VolumeMount m : c.getVolumeMounts()) {
                    assertThat(pod.getVolumes())
                            .as(file.getFileName() + " " + c.getName() + " mounts " + m.getName())
                            .anyMatch(v -> v.getName().equals(m.getName()));
                }
            }
        }
    }

    @Test
    void twoPodsShareOneReadWriteManyClaim() {
        Rendered r = load("pvc-rwx-two-pods.yaml");
        PersistentVolumeClaim pvc = r.all(PersistentVolumeClaim.class).get(0);
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        List<Pod> pods = r.all(Pod.class);
        assertThat(pods)
                .hasSize(2)
                .allSatisfy(p -> assertThat(claimNames(p.getSpec()))
                        .containsExactly(pvc.getMetadata().getName()));
    }

    @Test
    void hpcJobRunsIorRanksWritingToSlashLustre() {
        Rendered r = load("hpc-ior-job.yaml");
        Job job = r.all(Job.class).get(0);
        assertThat(job.getSpec().getParallelism()).isGreaterThan(1);
        assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertThat(c.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/lustre"));
        assertThat(String.join(" ", c.getCommand())).contains("ior ").contains("-o /lustre/");
        String claim = claimNames(pod).get(0);
        assertThat(r.one(PersistentVolumeClaim.class, claim).getSpec().getAccessModes())
                .containsExactly("ReadWriteMany");
    }

    @Test
    void researchWorkspaceKeepsTheNotebookHomeOnLustre() {
        Rendered r = load("research-workspace.yaml");
        StatefulSet sts = r.all(StatefulSet.class).get(0);
        PodSpec pod = sts.getSpec().getTemplate().getSpec();
        Container nb = pod.getContainers().get(0);
        String home = nb.getEnv().stream()
                .filter(e -> e.getName().equals("HOME"))
                .findFirst()
                .orElseThrow()
                .getValue();
        VolumeMount homeMount = nb.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(home))
                .findFirst()
                .orElseThrow(() -> new AssertionError("HOME " + home + " is not a volume mount"));
        String claim = pod.getVolumes().stream()
                .filter(v -> v.getName().equals(homeMount.getName()))
                .findFirst()
                .orElseThrow()
                .getPersistentVolumeClaim()
                .getClaimName();
        assertThat(r.one(PersistentVolumeClaim.class, claim).getSpec().getStorageClassName())
                .isEqualTo("lustre-shared");
        // The notebook runs as a non-root user and kubelet does not chown (fsGroupPolicy None): the class must
        // create volume directories that user can write.
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        StorageClassParameters p = StorageClassParameters.parse(load("storageclass-shared.yaml")
                .one(StorageClass.class, "lustre-shared")
                .getParameters());
        assertThat(p.directoryMode() & 0002)
                .as("directoryMode %o lets other users write", p.directoryMode())
                .isNotZero();
    }

    @Test
    void staticVolumeHandleAndAttributesDescribeTheSameExternalFilesystem() {
        Rendered r = load("static-pv-external.yaml");
        PersistentVolume pv = r.all(PersistentVolume.class).get(0);
        assertThat(pv.getSpec().getCsi().getDriver()).isEqualTo(DriverNames.DRIVER_NAME);
        VolumeId id = VolumeId.parse(pv.getSpec().getCsi().getVolumeHandle());
        assertThat(id.isManaged())
                .as("an external filesystem is not managed by the driver")
                .isFalse();
        Map<String, String> attrs = pv.getSpec().getCsi().getVolumeAttributes();
        assertThat(attrs.get(VolumeContextKeys.FS_NAME)).isEqualTo(id.fsName());
        assertThat(attrs.get(VolumeContextKeys.SUBDIR)).isEqualTo(id.subdir());
        assertThat(MgsNids.parse(attrs.get(VolumeContextKeys.MGS_NIDS)).nodes()).hasSize(2);
        assertThat(VolumeContextKeys.class.getFields())
                .extracting(f -> {
                    try {
                        return (String) f.get(null);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .containsAll(attrs.keySet());
        // Deleting the claim must never touch data the cluster does not own.
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
        PersistentVolumeClaim pvc = r.all(PersistentVolumeClaim.class).get(0);
        assertThat(pvc.getSpec().getVolumeName()).isEqualTo(pv.getMetadata().getName());
    }

    private static List<PodSpec> podSpecs(Rendered r) {
        List<PodSpec> specs = new ArrayList<>(r.podSpecs());
        r.all(Pod.class).forEach(p -> specs.add(p.getSpec()));
        r.all(Job.class).forEach(j -> specs.add(j.getSpec().getTemplate().getSpec()));
        r.all(StatefulSet.class)
                .forEach(s -> specs.add(s.getSpec().getTemplate().getSpec()));
        return specs;
    }

    private static List<String> claimNames(PodSpec pod) {
        return pod.getVolumes().stream()
                .map(v -> Optional.ofNullable(v.getPersistentVolumeClaim()))
                .flatMap(Optional::stream)
                .map(c -> c.getClaimName())
                .toList();
    }
}
