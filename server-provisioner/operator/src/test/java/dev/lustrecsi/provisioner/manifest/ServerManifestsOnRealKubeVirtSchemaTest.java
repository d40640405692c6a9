package dev.lustrecsi.provisioner.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.Crds;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every VirtualMachine and target PVC the operator writes, for each filesystem shape, created (dry run) on a
 * real kube-apiserver that has KubeVirt's real CRDs, with strict field validation: a field KubeVirt's schema
 * does not have, or a value of the wrong type, is an error instead of being silently pruned.
 */
@RealControlPlane
class ServerManifestsOnRealKubeVirtSchemaTest {
    private static final String NAMESPACE = "hpc";
    private final ServerManifests manifests = new ServerManifests();

    @BeforeAll
    static void kubeVirtInstalled(ControlPlane cp) {
        Crds.installKubeVirt(cp.adminClient());
        cp.adminClient()
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NAMESPACE)
                        .endMetadata()
                        .build())
                .serverSideApply();
    }

    static Stream<Arguments> shapes() {
        LustreFileSystem tcp = Fixtures.tcp("tcp", 4);
        LustreFileSystem o2ib = Fixtures.o2ib("rdma", 4);
        LustreFileSystem standby = Fixtures.tcp("warm", 2);
        standby.getSpec().setStandby(new StandbySpec(1));
        LustreFileSystem separate = Fixtures.tcp("owned", 2);
        separate.getSpec().getMgs().setColocated(false);
        separate.getSpec().setDiskDeletionPolicy(DiskDeletionPolicy.Delete);
        LustreFileSystem pairs = Fixtures.o2ib("pairs", 4);
        pairs.getSpec().setMetadataFailover(true);
        return Stream.of(
                Arguments.of(
                        "o2ib with MGS and MDS failover pairs (shareable disks, anti-affinity, RWX claims)",
                        pairs,
                        "192.168.50.11/24",
                        "192.168.50.10@o2ib:192.168.50.12@o2ib"),
                Arguments.of("tcp on the pod network, MGS with the first MDS", tcp, null, "10.244.1.17@tcp"),
                Arguments.of(
                        "o2ib on a Multus SR-IOV network with static addresses, separate MGS",
                        o2ib,
                        "192.168.50.11/24",
                        "192.168.50.10@o2ib"),
                Arguments.of("tcp with a warm standby OSS", standby, null, "10.244.1.17@tcp"),
                Arguments.of(
                        "tcp, separate MGS, disks deleted with the filesystem", separate, null, "10.244.1.17@tcp"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyVirtualMachineAndDiskOfTheShapePassesTheRealKubeVirtSchemaWithStrictFieldValidation(
            String shape, LustreFileSystem fs, String address, String mgsNids, ControlPlane cp) {
        KubernetesClient admin = cp.adminClient();
        Topology topology = Topology.plan(fs, List.of());
        List<HasMetadata> written = new ArrayList<>();
        for (ServerPlan server : topology.all()) {
            ServerContext ctx = new ServerContext(
                    fs,
                    server,
                    address,
                    MgsNids.parse(mgsNids),
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOperatorKey server-provisioner",
                    false,
                    null,
                    server.paired() ? MgsNids.parse(mgsNids).nodes() : null);
            written.add(manifests.virtualMachine(ctx));
            for (TargetPlan target : server.targets()) {
                written.add(manifests.persistentVolumeClaim(fs, server, target));
            }
        }
        assertThat(written).hasSizeGreaterThan(2);

        for (HasMetadata object : written) {
            HasMetadata stored = admin.resource(object)
                    .dryRun()
                    .fieldValidation(Validation.STRICT)
                    .create();
            if (object instanceof VirtualMachine vm) {
                // Nothing the operator set was pruned by the schema: the server's copy has every field we sent.
                VirtualMachine back = Serialization.unmarshal(Serialization.asJson(stored), VirtualMachine.class);
                assertThat(Serialization.asJson(back.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getDomain()
                                .getDevices()))
                        .isEqualTo(Serialization.asJson(
                                vm.getSpec().getTemplate().getSpec().getDomain().getDevices()));
                assertThat(back.getSpec().getTemplate().getSpec().getVolumes())
                        .hasSameSizeAs(vm.getSpec().getTemplate().getSpec().getVolumes());
                assertThat(Serialization.asJson(
                                back.getSpec().getTemplate().getSpec().getAffinity()))
                        .isEqualTo(Serialization.asJson(
                                vm.getSpec().getTemplate().getSpec().getAffinity()));
                assertThat(back.getSpec().getTemplate().getSpec().getNetworks())
                        .hasSameSizeAs(vm.getSpec().getTemplate().getSpec().getNetworks());
            }
        }
    }

    @Test
    void aFieldKubeVirtsSchemaDoesNotHaveIsRefusedRatherThanPruned(ControlPlane cp) {
        LustreFileSystem fs = Fixtures.tcp("typo", 1);
        VirtualMachine vm = manifests.virtualMachine(
                new ServerContext(fs, Topology.plan(fs, List.of()).firstMds(), null, null, null));
        GenericKubernetesResource generic =
                Serialization.unmarshal(Serialization.asJson(vm), GenericKubernetesResource.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> domain = (Map<String, Object>) ((Map<String, Object>)
                        ((Map<String, Object>) ((Map<String, Object>) generic.getAdditionalProperties()
                                                .get("spec"))
                                        .get("template"))
                                .get("spec"))
                .get("domain");
        domain.put("cpus", 4);

        assertThatThrownBy(() -> cp.adminClient()
                        .resource(generic)
                        .dryRun()
                        .fieldValidation(Validation.STRICT)
                        .create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("unknown field").contains("spec.template.spec.domain.cpus");
                });
    }
}
