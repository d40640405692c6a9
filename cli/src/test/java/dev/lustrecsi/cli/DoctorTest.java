package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.DriverNames;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code kubectl lustre doctor} against the mock API server: each check once failing, once passing. */
@EnableKubernetesMockClient(crud = true)
class DoctorTest {
    static KubernetesClient client;
    CliHarness cli;
    Doctor doctor;

    @BeforeEach
    void setUp() {
        cli = new CliHarness(client);
        doctor = new Doctor(client);
        client.nodes().delete();
        client.storage().v1().csiDrivers().delete();
        client.storage().v1().storageClasses().delete();
        client.apps().daemonSets().inAnyNamespace().delete();
        client.apiextensions().v1().customResourceDefinitions().delete();
        client.genericKubernetesResources(Doctor.KUBEVIRT_CR).inAnyNamespace().delete();
    }

    @Test
    void aClusterWithoutTheDriverFailsWithTheInstallCommandAsTheFix() {
        CliHarness.Result r = cli.run("doctor");
        assertThat(r.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("MISSING  CSIDriver " + DriverNames.DRIVER_NAME, "fix: helm install lustre-csi");

        csiDriver();
        assertThat(doctor.csiDriver().level()).isEqualTo(Doctor.Level.OK);
    }

    @Test
    void nodePluginsAreReadyOnlyWhenEveryScheduledPodIs() {
        assertThat(doctor.nodePlugins().level()).isEqualTo(Doctor.Level.MISSING);
        nodeDaemonSet(3, 2);
        Doctor.Finding partly = doctor.nodePlugins();
        assertThat(partly.level()).isEqualTo(Doctor.Level.MISSING);
        assertThat(partly.detail()).contains("lustre-csi/lustre-csi-node 2/3");
        nodeDaemonSet(3, 3);
        assertThat(doctor.nodePlugins()).isEqualTo(Doctor.Finding.ok("node plugins", "3/3 ready"));
    }

    @Test
    void clientModulesAreReadFromTheTopologyLabelsTheNodePluginPublishes() {
        node(
                "n1",
                Map.of(DriverNames.TOPOLOGY_CLIENT_VERSION, "none", DriverNames.TOPOLOGY_KERNEL, "6.1.0-18-amd64"),
                Map.of());
        Doctor.Finding none = doctor.clientModules(client.nodes().list().getItems());
        assertThat(none.level()).isEqualTo(Doctor.Level.MISSING);
        assertThat(none.detail()).contains("n1 (kernel 6.1.0-18-amd64)");
        assertThat(none.fix()).contains("built for each node's kernel");

        node("n2", Map.of(DriverNames.TOPOLOGY_CLIENT_VERSION, "2.15.6"), Map.of());
        Doctor.Finding some = doctor.clientModules(client.nodes().list().getItems());
        assertThat(some.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(some.detail()).contains("n2 2.15.6", "missing on n1");

        node("n1", Map.of(DriverNames.TOPOLOGY_CLIENT_VERSION, "2.15.6"), Map.of());
        assertThat(doctor.clientModules(client.nodes().list().getItems()).level())
                .isEqualTo(Doctor.Level.OK);
    }

    @Test
    void lnetNetworksComeFromTheLnetTopologyLabels() {
        node("n1", Map.of(DriverNames.TOPOLOGY_LNET_TCP, "false", DriverNames.TOPOLOGY_LNET_O2IB, "false"), Map.of());
        Doctor.Finding none = doctor.lnetNetworks(client.nodes().list().getItems());
        assertThat(none.level()).isEqualTo(Doctor.Level.MISSING);
        assertThat(none.fix()).contains("network.lnetInterface", "lnet.conf");

        node("n1", Map.of(DriverNames.TOPOLOGY_LNET_TCP, "true", DriverNames.TOPOLOGY_LNET_O2IB, "true"), Map.of());
        assertThat(doctor.lnetNetworks(client.nodes().list().getItems()))
                .isEqualTo(Doctor.Finding.ok("LNet networks", "o2ib+tcp on every node"));
    }

    @Test
    void kubeVirtNeedsItsCrdsAndADeployedKubeVirtResourceWhoseVersionIsShown() {
        assertThat(doctor.kubeVirt().detail()).contains("not installed");
        crd(Doctor.KUBEVIRT_CRD);
        assertThat(doctor.kubeVirt().detail()).contains("no KubeVirt resource");
        kubevirt("Deploying");
        assertThat(doctor.kubeVirt().level()).isEqualTo(Doctor.Level.MISSING);
        kubevirt("Deployed");
        Doctor.Finding ok = doctor.kubeVirt();
        assertThat(ok.level()).isEqualTo(Doctor.Level.OK);
        assertThat(ok.detail()).isEqualTo("v1.6.2 deployed (kubevirt/kubevirt)");
    }

    @Test
    void multusAndSriovAreOptionalButNamedWithTheirFix() {
        node("n1", Map.of(), Map.of("cpu", "8"));
        Doctor.Finding without = doctor.fabric(client.nodes().list().getItems());
        assertThat(without.level()).isEqualTo(Doctor.Level.WARN);
        assertThat(without.detail()).isEqualTo("no Multus; device plugin resources: none");
        assertThat(without.fix()).contains("SR-IOV network device plugin", "network.attachment");

        crd(Doctor.NAD_CRD);
        node("n1", Map.of(), Map.of("cpu", "8", "nvidia.com/mlnx_sriov_rdma", "4"));
        assertThat(doctor.fabric(client.nodes().list().getItems()).level()).isEqualTo(Doctor.Level.OK);
    }

    @Test
    void theTargetDisksNeedADefaultStorageClassThatGivesBlockVolumes() {
        assertThat(doctor.defaultBlockStorageClass().level()).isEqualTo(Doctor.Level.MISSING);
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName("local")
                        .addToAnnotations(Doctor.DEFAULT_CLASS_ANNOTATION, "true")
                        .endMetadata()
                        .withProvisioner("rancher.io/local-path")
                        .build())
                .create();
        assertThat(doctor.defaultBlockStorageClass().level())
                .as("no CDI profile: cannot tell")
                .isEqualTo(Doctor.Level.WARN);
        storageProfile("local", "Filesystem");
        assertThat(doctor.defaultBlockStorageClass().level()).isEqualTo(Doctor.Level.MISSING);
        storageProfile("local", "Block");
        assertThat(doctor.defaultBlockStorageClass().level()).isEqualTo(Doctor.Level.OK);
    }

    @Test
    void aHealthyClusterExitsZeroAndWarningsDoNotFailIt() {
        csiDriver();
        nodeDaemonSet(1, 1);
        node(
                "n1",
                Map.of(DriverNames.TOPOLOGY_CLIENT_VERSION, "2.15.6", DriverNames.TOPOLOGY_LNET_TCP, "true"),
                Map.of());
        crd(Doctor.KUBEVIRT_CRD);
        kubevirt("Deployed");
        client.storage()
                .v1()
                .storageClasses()
                .resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName("ceph")
                        .addToAnnotations(Doctor.DEFAULT_CLASS_ANNOTATION, "true")
                        .endMetadata()
                        .withProvisioner("rbd.csi.ceph.com")
                        .build())
                .create();
        storageProfile("ceph", "Block");

        CliHarness.Result r = cli.run("doctor");
        assertThat(r.exitCode()).as(r.out()).isZero();
        assertThat(r.out()).contains("warn     Multus / SR-IOV").endsWith("Nothing required is missing.\n");
    }

    /** The CSIDriver object the chart installs. */
    private void csiDriver() {
        client.storage()
                .v1()
                .csiDrivers()
                .resource(new CSIDriverBuilder()
                        .withNewMetadata()
                        .withName(DriverNames.DRIVER_NAME)
                        .endMetadata()
                        .build())
                .create();
    }

    private void node(String name, Map<String, String> labels, Map<String, String> allocatable) {
        NodeBuilder b = new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata();
        b.withNewStatus().endStatus();
        allocatable.forEach(
                (k, v) -> b.editStatus().addToAllocatable(k, new Quantity(v)).endStatus());
        client.nodes().resource(b.build()).createOr(r -> r.update());
    }

    private void nodeDaemonSet(int desired, int ready) {
        client.apps()
                .daemonSets()
                .inNamespace("lustre-csi")
                .resource(new DaemonSetBuilder()
                        .withNewMetadata()
                        .withNamespace("lustre-csi")
                        .withName("lustre-csi-node")
                        .addToLabels("app.kubernetes.io/name", "lustre-csi")
                        .addToLabels("app.kubernetes.io/component", "node")
                        .endMetadata()
                        .withNewStatus()
                        .withDesiredNumberScheduled(desired)
                        .withNumberReady(ready)
                        .endStatus()
                        .build())
                .createOr(r -> r.update());
    }

    private void crd(String name) {
        String[] parts = name.split("\\.", 2);
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .resource(new CustomResourceDefinitionBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withGroup(parts[1])
                        .withScope("Namespaced")
                        .withNewNames()
                        .withPlural(parts[0])
                        .withKind(parts[0])
                        .endNames()
                        .endSpec()
                        .build())
                .create();
    }

    private void kubevirt(String phase) {
        GenericKubernetesResource kv = new GenericKubernetesResourceBuilder()
                .withApiVersion("kubevirt.io/v1")
                .withKind("KubeVirt")
                .withNewMetadata()
                .withNamespace("kubevirt")
                .withName("kubevirt")
                .endMetadata()
                .addToAdditionalProperties("status", Map.of("phase", phase, "observedKubeVirtVersion", "v1.6.2"))
                .build();
        client.genericKubernetesResources(Doctor.KUBEVIRT_CR)
                .inNamespace("kubevirt")
                .resource(kv)
                .createOr(r -> r.update());
    }

    private void storageProfile(String name, String volumeMode) {
        GenericKubernetesResource p = new GenericKubernetesResourceBuilder()
                .withApiVersion("cdi.kubevirt.io/v1beta1")
                .withKind("StorageProfile")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToAdditionalProperties(
                        "status",
                        Map.of(
                                "claimPropertySets",
                                List.of(Map.of("accessModes", List.of("ReadWriteOnce"), "volumeMode", volumeMode))))
                .build();
        client.genericKubernetesResources(Doctor.CDI_STORAGE_PROFILE)
                .resource(p)
                .createOr(r -> r.update());
    }
}
