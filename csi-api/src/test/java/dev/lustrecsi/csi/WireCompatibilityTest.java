package dev.lustrecsi.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.GenericDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeResponse;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.CreateVolumeResponse;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.NodePublishVolumeRequest;
import dev.lustrecsi.csi.v1.NodeStageVolumeRequest;
import dev.lustrecsi.csi.v1.ProbeResponse;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.csi.v1.VolumeCapability.AccessMode.Mode;
import dev.lustrecsi.csi.v1.VolumeContentSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that our own csi.proto speaks the same wire protocol as an independent build of the CSI
 * spec: Apache Ozone's generated CSI v1.1.0 classes ({@code csi.v1.Csi.*}). Kubernetes sidecars
 * of any CSI 1.x version must be able to talk to us, so every v1.1 message, field, enum value and
 * RPC must exist in our file under the same number, name and type, and messages must round-trip
 * in both directions. Fields added after 1.1 must pass through a 1.1 peer as unknown fields.
 *
 * <p>Ozone's classes extend GeneratedMessageV3 (protobuf 3.x gencode); they load and run on our
 * protobuf-java 4.36.2 runtime, so they are used directly, not via DynamicMessage.
 */
class WireCompatibilityTest {

    private static final FileDescriptor V11 = csi.v1.Csi.getDescriptor();
    private static final FileDescriptor OURS = dev.lustrecsi.csi.v1.Csi.getDescriptor();

    private static final int CSI_SECRET = 1059;

    // ---------------------------------------------------------------- schema comparison

    @Test
    void everyV11MessageFieldAndEnumValueHasTheSameNumberNameAndTypeInOurProto() {
        assertThat(OURS.getPackage()).isEqualTo(V11.getPackage()).isEqualTo("csi.v1");
        assertThat(SchemaComparator.compare(V11, OURS)).isEmpty();
    }

    @Test
    void schemaComparatorCatchesRenumberedRenamedRetypedAndUnmarkedSecretFields() throws Exception {
        // Guard against a comparator that can never fail: tamper with a copy of our schema.
        FileDescriptorProto.Builder tampered = OURS.toProto().toBuilder();
        field(message(tampered, "NodeStageVolumeRequest"), "staging_target_path")
                .setNumber(9);
        field(message(tampered, "NodePublishVolumeRequest"), "target_path").setName("target_dir");
        field(message(tampered, "NodeGetInfoResponse"), "max_volumes_per_node")
                .setType(FieldDescriptorProto.Type.TYPE_INT32);
        field(message(tampered, "DeleteVolumeRequest"), "secrets").clearOptions();
        FileDescriptor broken = FileDescriptor.buildFrom(
                tampered.build(), OURS.getDependencies().toArray(new FileDescriptor[0]));

        assertThat(SchemaComparator.compare(V11, broken))
                .containsExactlyInAnyOrder(
                        "csi.v1.NodeStageVolumeRequest.staging_target_path = 3: no field with that number",
                        "csi.v1.NodePublishVolumeRequest.target_path = 4: is named target_dir",
                        "csi.v1.NodeGetInfoResponse.max_volumes_per_node = 2: type INT32 instead of INT64",
                        "csi.v1.DeleteVolumeRequest.secrets = 2: csi_secret is false instead of true");
    }

    @Test
    void everyV11RpcHasTheSameFullMethodNameRequestAndResponseTypes() {
        List<String> problems = new ArrayList<>();
        for (ServiceDescriptor reference : V11.getServices()) {
            ServiceDescriptor ours = OURS.findServiceByName(reference.getName());
            if (ours == null) {
                problems.add("missing service " + reference.getFullName());
                continue;
            }
            for (MethodDescriptor method : reference.getMethods()) {
                MethodDescriptor candidate = ours.findMethodByName(method.getName());
                String name = grpcFullMethodName(method);
                if (candidate == null) {
                    problems.add("missing rpc " + name);
                    continue;
                }
                if (!grpcFullMethodName(candidate).equals(name)) {
                    problems.add(name + " is served as " + grpcFullMethodName(candidate));
                }
                if (!candidate
                                .getInputType()
                                .getFullName()
                                .equals(method.getInputType().getFullName())
                        || !candidate
                                .getOutputType()
                                .getFullName()
                                .equals(method.getOutputType().getFullName())
                        || candidate.isClientStreaming() != method.isClientStreaming()
                        || candidate.isServerStreaming() != method.isServerStreaming()) {
                    problems.add(name + " has a different signature");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void generatedGrpcStubsRouteEveryV11CallToTheSamePath() {
        // What actually goes on the wire as the HTTP/2 :path, from both sets of generated stubs.
        assertThat(grpcPaths(dev.lustrecsi.csi.v1.IdentityGrpc.getServiceDescriptor()))
                .containsAll(grpcPaths(csi.v1.IdentityGrpc.getServiceDescriptor()));
        assertThat(grpcPaths(dev.lustrecsi.csi.v1.ControllerGrpc.getServiceDescriptor()))
                .containsAll(grpcPaths(csi.v1.ControllerGrpc.getServiceDescriptor()));
        assertThat(grpcPaths(dev.lustrecsi.csi.v1.NodeGrpc.getServiceDescriptor()))
                .containsAll(grpcPaths(csi.v1.NodeGrpc.getServiceDescriptor()));

        assertThat(dev.lustrecsi.csi.v1.NodeGrpc.getNodeStageVolumeMethod().getFullMethodName())
                .isEqualTo(csi.v1.NodeGrpc.getNodeStageVolumeMethod().getFullMethodName())
                .isEqualTo("csi.v1.Node/NodeStageVolume");
        assertThat(dev.lustrecsi.csi.v1.ControllerGrpc.getCreateVolumeMethod().getFullMethodName())
                .isEqualTo(csi.v1.ControllerGrpc.getCreateVolumeMethod().getFullMethodName())
                .isEqualTo("csi.v1.Controller/CreateVolume");
        assertThat(dev.lustrecsi.csi.v1.IdentityGrpc.getProbeMethod().getFullMethodName())
                .isEqualTo(csi.v1.IdentityGrpc.getProbeMethod().getFullMethodName())
                .isEqualTo("csi.v1.Identity/Probe");
    }

    @Test
    void ourProtoServesTheRpcsAddedUpToCsi112() {
        assertThat(methodNames("Identity")).containsExactly("GetPluginInfo", "GetPluginCapabilities", "Probe");
        assertThat(methodNames("Controller"))
                .contains(
                        "ControllerGetCapabilities",
                        "GetCapacity",
                        "ListVolumes",
                        "ControllerExpandVolume",
                        "ControllerGetVolume",
                        "ControllerModifyVolume",
                        "ListSnapshots",
                        "GetSnapshot");
        assertThat(methodNames("Node"))
                .contains(
                        "NodeStageVolume",
                        "NodePublishVolume",
                        "NodeGetVolumeStats",
                        "NodeExpandVolume",
                        "NodeGetCapabilities",
                        "NodeGetInfo");
        assertThat(methodNames("GroupController"))
                .contains("GroupControllerGetCapabilities", "CreateVolumeGroupSnapshot");
    }

    @Test
    void exactlyTheSecretsFieldsCarryCsiSecretSoTheLoggingInterceptorCanRedactThem() {
        Set<String> marked = new TreeSet<>();
        Set<String> namedSecrets = new TreeSet<>();
        for (Descriptor message : SchemaComparator.allMessages(OURS).values()) {
            for (FieldDescriptor field : message.getFields()) {
                if (isCsiSecret(field)) {
                    marked.add(field.getFullName());
                }
                if (field.getName().equals("secrets")) {
                    namedSecrets.add(field.getFullName());
                }
            }
        }
        assertThat(marked)
                .isEqualTo(namedSecrets)
                .contains(
                        "csi.v1.NodeStageVolumeRequest.secrets",
                        "csi.v1.NodePublishVolumeRequest.secrets",
                        "csi.v1.CreateVolumeRequest.secrets",
                        "csi.v1.NodeExpandVolumeRequest.secrets",
                        "csi.v1.ControllerModifyVolumeRequest.secrets");
        // Through the typed extension, as the interceptor will read it.
        assertThat(NodeStageVolumeRequest.getDescriptor()
                        .findFieldByName("secrets")
                        .getOptions()
                        .getExtension(dev.lustrecsi.csi.v1.Csi.csiSecret))
                .isTrue();
        assertThat(NodeStageVolumeRequest.getDescriptor()
                        .findFieldByName("volume_context")
                        .getOptions()
                        .getExtension(dev.lustrecsi.csi.v1.Csi.csiSecret))
                .isFalse();
    }

    @Test
    void mutableParametersRenamedForJavaKeepTheSpecsNumberTypeAndJsonName() throws Exception {
        assertMutableParams(CreateVolumeRequest.getDescriptor(), 8);
        assertMutableParams(dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesRequest.getDescriptor(), 6);
        assertMutableParams(dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesResponse.Confirmed.getDescriptor(), 4);
        assertThat(dev.lustrecsi.csi.v1.ControllerModifyVolumeRequest.getDescriptor()
                        .findFieldByName("mutable_parameters")
                        .getNumber())
                .isEqualTo(3);

        // JSON (e.g. csi-sanity dumps, debug logs) reads exactly as the spec's Go bindings print it.
        CreateVolumeRequest request =
                CreateVolumeRequest.newBuilder().putMutableParams("iops", "100").build();
        String json = com.google.protobuf.util.JsonFormat.printer().print(request);
        assertThat(json).contains("\"mutableParameters\"").doesNotContain("mutableParams");
        CreateVolumeRequest.Builder parsed = CreateVolumeRequest.newBuilder();
        com.google.protobuf.util.JsonFormat.parser().merge("{\"mutableParameters\": {\"iops\": \"100\"}}", parsed);
        assertThat(parsed.build()).isEqualTo(request);
    }

    private static void assertMutableParams(Descriptor message, int specNumber) {
        FieldDescriptor field = message.findFieldByNumber(specNumber);
        assertThat(field.getName()).isEqualTo("mutable_params");
        assertThat(field.getJsonName()).isEqualTo("mutableParameters");
        assertThat(field.isMapField()).isTrue();
        assertThat(field.getMessageType().findFieldByNumber(1).getType()).isEqualTo(FieldDescriptor.Type.STRING);
        assertThat(field.getMessageType().findFieldByNumber(2).getType()).isEqualTo(FieldDescriptor.Type.STRING);
    }

    // ---------------------------------------------------------------- generic round trips

    /** Every v1.1 message type; those with a oneof in their tree once per branch (CSI oneofs have two). */
    static Stream<Arguments> v11Messages() {
        return SchemaComparator.allMessages(V11).values().stream()
                .filter(d -> !d.getOptions().getMapEntry())
                .sorted(Comparator.comparing(Descriptor::getFullName))
                .flatMap(d -> hasOneofInTree(d, 0)
                        ? Stream.of(Arguments.of(d.getFullName(), 0), Arguments.of(d.getFullName(), 1))
                        : Stream.of(Arguments.of(d.getFullName(), 0)));
    }

    private static boolean hasOneofInTree(Descriptor message, int depth) {
        return !message.getRealOneofs().isEmpty()
                || depth < 8
                        && message.getFields().stream()
                                .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
                                .anyMatch(f -> hasOneofInTree(f.getMessageType(), depth + 1));
    }

    @ParameterizedTest(name = "{0} oneof branch {1}")
    @MethodSource("v11Messages")
    void independentlyPopulatedV11FieldsEncodeToIdenticalBytes(String type, int branch) {
        Message v11 = Populator.allFields().populate(v11Builder(type), branch);
        Message ours = Populator.onlyV11Fields().populate(ourBuilder(type), branch);

        assertEveryFieldSet(v11);
        assertThat(ours.toByteString()).isEqualTo(v11.toByteString());
    }

    @ParameterizedTest(name = "{0} oneof branch {1}")
    @MethodSource("v11Messages")
    void v11EncodedMessageDecodesInOursFieldForField(String type, int branch) throws Exception {
        Message v11 = Populator.allFields().populate(v11Builder(type), branch);

        Message ours =
                received(v11, ourBuilder(type).getDefaultInstanceForType().getParserForType());

        assertThat(Normalized.of(ours, f -> true)).isEqualTo(Normalized.of(v11, f -> true));
        assertThat(unknownFieldCount(ours))
                .as("fields our proto did not recognise")
                .isZero();
    }

    @ParameterizedTest(name = "{0} oneof branch {1}")
    @MethodSource("v11Messages")
    void ourEncodedMessageDecodesInV11AndNewerFieldsSurviveAsUnknown(String type, int branch) throws Exception {
        // All of our fields, including those added after 1.1, and each enum at its highest value.
        Message ours = Populator.allFields().populate(ourBuilder(type), branch);

        Message v11 =
                v11Builder(type).getDefaultInstanceForType().getParserForType().parseFrom(ours.toByteString());

        assertThat(Normalized.of(v11, f -> true)).isEqualTo(Normalized.of(ours, WireCompatibilityTest::isV11Field));
        assertThat(unknownFieldCount(v11) > 0).isEqualTo(hasFieldsNewerThanV11(ours));
        // A v1.1 peer that echoes the message back (e.g. a proxy) loses nothing.
        Message echoed = ours.getParserForType().parseFrom(v11.toByteString());
        assertThat(echoed).isEqualTo(ours);
    }

    // ---------------------------------------------------------------- explicit typed round trips

    @Test
    void createVolumeRequestFromAV11ProvisionerReachesOurTypedApi() throws Exception {
        csi.v1.Csi.CreateVolumeRequest request = csi.v1.Csi.CreateVolumeRequest.newBuilder()
                .setName("pvc-0b1c2d3e")
                .setCapacityRange(csi.v1.Csi.CapacityRange.newBuilder()
                        .setRequiredBytes(10L << 30)
                        .setLimitBytes(20L << 30))
                .addVolumeCapabilities(v11Mount(
                        "lustre",
                        List.of("flock", "noatime"),
                        csi.v1.Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
                .addVolumeCapabilities(csi.v1.Csi.VolumeCapability.newBuilder()
                        .setBlock(csi.v1.Csi.VolumeCapability.BlockVolume.getDefaultInstance())
                        .setAccessMode(csi.v1.Csi.VolumeCapability.AccessMode.newBuilder()
                                .setMode(csi.v1.Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)))
                .putParameters("fsName", "scratch")
                .putParameters("mgsNids", "10.0.0.1@tcp:10.0.0.2@tcp")
                .putSecrets("lnet-key", "s3cr3t")
                .setVolumeContentSource(csi.v1.Csi.VolumeContentSource.newBuilder()
                        .setSnapshot(csi.v1.Csi.VolumeContentSource.SnapshotSource.newBuilder()
                                .setSnapshotId("snap-7")))
                .setAccessibilityRequirements(csi.v1.Csi.TopologyRequirement.newBuilder()
                        .addRequisite(csi.v1.Csi.Topology.newBuilder().putSegments("zone", "a"))
                        .addPreferred(csi.v1.Csi.Topology.newBuilder().putSegments("zone", "b")))
                .build();
        CreateVolumeRequest ours = received(request, CreateVolumeRequest.parser());

        assertThat(ours.getName()).isEqualTo("pvc-0b1c2d3e");
        assertThat(ours.getCapacityRange().getRequiredBytes()).isEqualTo(10L << 30);
        assertThat(ours.getCapacityRange().getLimitBytes()).isEqualTo(20L << 30);
        VolumeCapability mount = ours.getVolumeCapabilities(0);
        assertThat(mount.getAccessTypeCase()).isEqualTo(VolumeCapability.AccessTypeCase.MOUNT);
        assertThat(mount.getMount().getFsType()).isEqualTo("lustre");
        assertThat(mount.getMount().getMountFlagsList()).containsExactly("flock", "noatime");
        assertThat(mount.getAccessMode().getMode()).isEqualTo(Mode.MULTI_NODE_MULTI_WRITER);
        VolumeCapability block = ours.getVolumeCapabilities(1);
        assertThat(block.getAccessTypeCase()).isEqualTo(VolumeCapability.AccessTypeCase.BLOCK);
        assertThat(block.getAccessMode().getMode()).isEqualTo(Mode.SINGLE_NODE_WRITER);
        assertThat(ours.getParametersMap())
                .containsOnly(entry("fsName", "scratch"), entry("mgsNids", "10.0.0.1@tcp:10.0.0.2@tcp"));
        assertThat(ours.getSecretsMap()).containsOnly(entry("lnet-key", "s3cr3t"));
        assertThat(ours.getVolumeContentSource().getSnapshot().getSnapshotId()).isEqualTo("snap-7");
        assertThat(ours.getAccessibilityRequirements().getRequisite(0).getSegmentsMap())
                .containsOnly(entry("zone", "a"));
        assertThat(ours.getAccessibilityRequirements().getPreferred(0).getSegmentsMap())
                .containsOnly(entry("zone", "b"));
        assertThat(ours.getMutableParamsMap()).isEmpty();
        assertThat(unknownFieldCount(ours)).isZero();
    }

    @Test
    void createVolumeResponseFromUsReachesAV11Provisioner() throws Exception {
        CreateVolumeResponse response = CreateVolumeResponse.newBuilder()
                .setVolume(Volume.newBuilder()
                        .setCapacityBytes(42L << 30)
                        .setVolumeId("v1:research:pool-fast:fast01:pvc-0b1c2d3e")
                        .putVolumeContext("mgsNids", "10.0.0.1@tcp")
                        .setContentSource(VolumeContentSource.newBuilder()
                                .setVolume(VolumeContentSource.VolumeSource.newBuilder()
                                        .setVolumeId("v1:src")))
                        .addAccessibleTopology(Topology.newBuilder().putSegments("lustre.lustrecsi.dev/lnet", "tcp0")))
                .build();

        csi.v1.Csi.CreateVolumeResponse v11 = csi.v1.Csi.CreateVolumeResponse.parseFrom(response.toByteArray());

        assertEveryFieldSet(v11);
        assertThat(v11.getVolume().getCapacityBytes()).isEqualTo(42L << 30);
        assertThat(v11.getVolume().getVolumeId()).isEqualTo("v1:research:pool-fast:fast01:pvc-0b1c2d3e");
        assertThat(v11.getVolume().getVolumeContextMap()).containsOnly(entry("mgsNids", "10.0.0.1@tcp"));
        assertThat(v11.getVolume().getContentSource().getVolume().getVolumeId()).isEqualTo("v1:src");
        assertThat(v11.getVolume().getAccessibleTopology(0).getSegmentsMap())
                .containsOnly(entry("lustre.lustrecsi.dev/lnet", "tcp0"));
        assertThat(unknownFieldCount(v11)).isZero();
    }

    @Test
    void nodeStageVolumeRequestFromAV11KubeletReachesOurTypedApi() throws Exception {
        csi.v1.Csi.NodeStageVolumeRequest request = csi.v1.Csi.NodeStageVolumeRequest.newBuilder()
                .setVolumeId("v1:::scratch:")
                .putPublishContext("attached", "yes")
                .setStagingTargetPath("/var/lib/kubelet/plugins/kubernetes.io/csi/lustre/abc/globalmount")
                .setVolumeCapability(v11Mount(
                        "lustre", List.of("ro"), csi.v1.Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY))
                .putSecrets("token", "t0k3n")
                .putVolumeContext("mgsNids", "10.0.0.1@o2ib")
                .build();
        NodeStageVolumeRequest ours = received(request, NodeStageVolumeRequest.parser());

        assertThat(ours.getVolumeId()).isEqualTo("v1:::scratch:");
        assertThat(ours.getPublishContextMap()).containsOnly(entry("attached", "yes"));
        assertThat(ours.getStagingTargetPath()).endsWith("/abc/globalmount");
        assertThat(ours.getVolumeCapability().getMount().getMountFlagsList()).containsExactly("ro");
        assertThat(ours.getVolumeCapability().getMount().getVolumeMountGroup()).isEmpty();
        assertThat(ours.getVolumeCapability().getAccessMode().getMode()).isEqualTo(Mode.MULTI_NODE_READER_ONLY);
        assertThat(ours.getSecretsMap()).containsOnly(entry("token", "t0k3n"));
        assertThat(ours.getVolumeContextMap()).containsOnly(entry("mgsNids", "10.0.0.1@o2ib"));
        assertThat(unknownFieldCount(ours)).isZero();
    }

    @Test
    void volumeMountGroupAndSingleNodeMultiWriterPassThroughAV11PeerWithoutCorruptingTheRest() throws Exception {
        NodeStageVolumeRequest request = NodeStageVolumeRequest.newBuilder()
                .setVolumeId("v1:ns:pool:fs:pvc-1")
                .setStagingTargetPath("/staging/pvc-1")
                .setVolumeCapability(VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.newBuilder()
                                .setFsType("lustre")
                                .addMountFlags("flock")
                                .setVolumeMountGroup("2000"))
                        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_MULTI_WRITER)))
                .putSecrets("token", "t0k3n")
                .putVolumeContext("fsName", "fs")
                .build();

        csi.v1.Csi.NodeStageVolumeRequest v11 = csi.v1.Csi.NodeStageVolumeRequest.parseFrom(request.toByteArray());

        // The 1.1 peer sees every field it knows...
        assertThat(v11.getVolumeId()).isEqualTo("v1:ns:pool:fs:pvc-1");
        assertThat(v11.getStagingTargetPath()).isEqualTo("/staging/pvc-1");
        assertThat(v11.getVolumeCapability().getMount().getFsType()).isEqualTo("lustre");
        assertThat(v11.getVolumeCapability().getMount().getMountFlagsList()).containsExactly("flock");
        assertThat(v11.getSecretsMap()).containsOnly(entry("token", "t0k3n"));
        assertThat(v11.getVolumeContextMap()).containsOnly(entry("fsName", "fs"));
        // ...keeps the access mode it does not know as its number...
        assertThat(v11.getVolumeCapability().getAccessMode().getModeValue()).isEqualTo(7);
        assertThat(v11.getVolumeCapability().getAccessMode().getMode())
                .isEqualTo(csi.v1.Csi.VolumeCapability.AccessMode.Mode.UNRECOGNIZED);
        // ...and volume_mount_group (field 3 of MountVolume) as an unknown field.
        UnknownFieldSet mountUnknown = v11.getVolumeCapability().getMount().getUnknownFields();
        assertThat(mountUnknown.asMap()).containsOnlyKeys(3);
        assertThat(mountUnknown.getField(3).getLengthDelimitedList()).containsExactly(ByteString.copyFromUtf8("2000"));

        NodeStageVolumeRequest echoed = NodeStageVolumeRequest.parseFrom(v11.toByteArray());
        assertThat(echoed).isEqualTo(request);
        assertThat(echoed.getVolumeCapability().getMount().getVolumeMountGroup())
                .isEqualTo("2000");
        assertThat(echoed.getVolumeCapability().getAccessMode().getMode()).isEqualTo(Mode.SINGLE_NODE_MULTI_WRITER);
    }

    @Test
    void nodePublishVolumeRequestRoundTripsWithMountFromV11AndBlockFromUs() throws Exception {
        csi.v1.Csi.NodePublishVolumeRequest fromV11 = csi.v1.Csi.NodePublishVolumeRequest.newBuilder()
                .setVolumeId("v1:::scratch:")
                .putPublishContext("k", "v")
                .setStagingTargetPath("/staging/x")
                .setTargetPath("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/pv/mount")
                .setVolumeCapability(v11Mount(
                        "lustre",
                        List.of("localflock"),
                        csi.v1.Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_SINGLE_WRITER))
                .setReadonly(true)
                .putSecrets("token", "t0k3n")
                .putVolumeContext("csi.storage.k8s.io/pod.name", "web-0")
                .build();
        NodePublishVolumeRequest ours = received(fromV11, NodePublishVolumeRequest.parser());
        assertThat(ours.getTargetPath()).endsWith("/kubernetes.io~csi/pv/mount");
        assertThat(ours.getStagingTargetPath()).isEqualTo("/staging/x");
        assertThat(ours.getReadonly()).isTrue();
        assertThat(ours.getVolumeCapability().getMount().getMountFlagsList()).containsExactly("localflock");
        assertThat(ours.getVolumeCapability().getAccessMode().getMode()).isEqualTo(Mode.MULTI_NODE_SINGLE_WRITER);
        assertThat(ours.getSecretsMap()).containsOnly(entry("token", "t0k3n"));
        assertThat(ours.getPublishContextMap()).containsOnly(entry("k", "v"));
        assertThat(ours.getVolumeContextMap()).containsOnly(entry("csi.storage.k8s.io/pod.name", "web-0"));

        // A block request must be recognisable as block on the other side so it can be refused.
        NodePublishVolumeRequest block = ours.toBuilder()
                .setVolumeCapability(VolumeCapability.newBuilder()
                        .setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                        .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_WRITER)))
                .build();
        csi.v1.Csi.NodePublishVolumeRequest v11Block =
                csi.v1.Csi.NodePublishVolumeRequest.parseFrom(block.toByteArray());
        assertThat(v11Block.getVolumeCapability().getAccessTypeCase())
                .isEqualTo(csi.v1.Csi.VolumeCapability.AccessTypeCase.BLOCK);
        assertThat(v11Block.getTargetPath()).isEqualTo(ours.getTargetPath());
        assertThat(v11Block.getReadonly()).isTrue();
        assertThat(unknownFieldCount(v11Block)).isZero();
    }

    @Test
    void controllerExpandVolumeKeepsV11FieldsAndCarriesTheNewVolumeCapabilityAsUnknown() throws Exception {
        ControllerExpandVolumeRequest request = ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId("v1:ns:pool:fs:pvc-1")
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(5L << 40))
                .putSecrets("token", "t0k3n")
                .setVolumeCapability(VolumeCapability.newBuilder()
                        .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("lustre")))
                .build();

        csi.v1.Csi.ControllerExpandVolumeRequest v11 =
                csi.v1.Csi.ControllerExpandVolumeRequest.parseFrom(request.toByteArray());
        assertThat(v11.getVolumeId()).isEqualTo("v1:ns:pool:fs:pvc-1");
        assertThat(v11.getCapacityRange().getRequiredBytes()).isEqualTo(5L << 40);
        assertThat(v11.getSecretsMap()).containsOnly(entry("token", "t0k3n"));
        assertThat(v11.getUnknownFields().asMap()).containsOnlyKeys(4);
        assertThat(ControllerExpandVolumeRequest.parseFrom(v11.toByteArray())).isEqualTo(request);

        csi.v1.Csi.ControllerExpandVolumeResponse v11Response = csi.v1.Csi.ControllerExpandVolumeResponse.newBuilder()
                .setCapacityBytes(5L << 40)
                .setNodeExpansionRequired(true)
                .build();
        ControllerExpandVolumeResponse ours = received(v11Response, ControllerExpandVolumeResponse.parser());
        assertThat(ours.getCapacityBytes()).isEqualTo(5L << 40);
        assertThat(ours.getNodeExpansionRequired()).isTrue();
    }

    @Test
    void nodeGetInfoAndProbeResponsesReadTheSameOnBothSides() throws Exception {
        NodeGetInfoResponse info = NodeGetInfoResponse.newBuilder()
                .setNodeId("worker-3")
                .setMaxVolumesPerNode(128)
                .setAccessibleTopology(Topology.newBuilder().putSegments("lustre.lustrecsi.dev/lnet", "o2ib0"))
                .build();
        csi.v1.Csi.NodeGetInfoResponse v11Info = csi.v1.Csi.NodeGetInfoResponse.parseFrom(info.toByteArray());
        assertEveryFieldSet(v11Info);
        assertThat(v11Info.getNodeId()).isEqualTo("worker-3");
        assertThat(v11Info.getMaxVolumesPerNode()).isEqualTo(128);
        assertThat(v11Info.getAccessibleTopology().getSegmentsMap())
                .containsOnly(entry("lustre.lustrecsi.dev/lnet", "o2ib0"));

        // "Not ready yet" is a present BoolValue holding false: it must not collapse into "unset" (= ready).
        csi.v1.Csi.ProbeResponse notReady = csi.v1.Csi.ProbeResponse.newBuilder()
                .setReady(BoolValue.of(false))
                .build();
        ProbeResponse ours = ProbeResponse.parseFrom(notReady.toByteArray());
        assertThat(ours.hasReady()).isTrue();
        assertThat(ours.getReady().getValue()).isFalse();
        assertThat(csi.v1.Csi.ProbeResponse.parseFrom(
                                ProbeResponse.getDefaultInstance().toByteArray())
                        .hasReady())
                .isFalse();
    }

    @Test
    void snapshotCreationTimeIsTheSharedWellKnownTimestamp() throws InvalidProtocolBufferException {
        Timestamp created =
                Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5).build();
        csi.v1.Csi.Snapshot v11 = csi.v1.Csi.Snapshot.newBuilder()
                .setSizeBytes(1)
                .setSnapshotId("s")
                .setSourceVolumeId("v")
                .setCreationTime(created)
                .setReadyToUse(true)
                .build();
        dev.lustrecsi.csi.v1.Snapshot ours = received(v11, dev.lustrecsi.csi.v1.Snapshot.parser());
        assertThat(ours.getCreationTime()).isEqualTo(created);
        assertThat(ours.getReadyToUse()).isTrue();
        assertThat(ours.getGroupSnapshotId()).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static csi.v1.Csi.VolumeCapability v11Mount(
            String fsType, List<String> flags, csi.v1.Csi.VolumeCapability.AccessMode.Mode mode) {
        return csi.v1.Csi.VolumeCapability.newBuilder()
                .setMount(csi.v1.Csi.VolumeCapability.MountVolume.newBuilder()
                        .setFsType(fsType)
                        .addAllMountFlags(flags))
                .setAccessMode(
                        csi.v1.Csi.VolumeCapability.AccessMode.newBuilder().setMode(mode))
                .build();
    }

    private static String grpcFullMethodName(MethodDescriptor method) {
        return io.grpc.MethodDescriptor.generateFullMethodName(
                method.getService().getFullName(), method.getName());
    }

    private static Set<String> grpcPaths(io.grpc.ServiceDescriptor service) {
        return service.getMethods().stream()
                .map(io.grpc.MethodDescriptor::getFullMethodName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> methodNames(String service) {
        return OURS.findServiceByName(service).getMethods().stream()
                .map(MethodDescriptor::getName)
                .toList();
    }

    private static DescriptorProto.Builder message(FileDescriptorProto.Builder file, String name) {
        return file.getMessageTypeBuilderList().stream()
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static FieldDescriptorProto.Builder field(DescriptorProto.Builder message, String name) {
        return message.getFieldBuilderList().stream()
                .filter(f -> f.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** Reads csi_secret whether the option was parsed as an extension or kept as an unknown field. */
    static boolean isCsiSecret(FieldDescriptor field) {
        for (Map.Entry<FieldDescriptor, Object> option :
                field.getOptions().getAllFields().entrySet()) {
            if (option.getKey().isExtension() && option.getKey().getNumber() == CSI_SECRET) {
                return Boolean.TRUE.equals(option.getValue());
            }
        }
        UnknownFieldSet unknown = field.getOptions().getUnknownFields();
        return unknown.hasField(CSI_SECRET)
                && unknown.getField(CSI_SECRET).getVarintList().contains(1L);
    }

    /** True for fields that CSI v1.1 defines, and for well-known types (google.protobuf.*) both share. */
    static boolean isV11Field(FieldDescriptor field) {
        if (!field.getFile().getPackage().equals(V11.getPackage())) {
            return true;
        }
        Descriptor v11 =
                SchemaComparator.allMessages(V11).get(field.getContainingType().getFullName());
        return v11 != null && v11.findFieldByNumber(field.getNumber()) != null;
    }

    private static Message.Builder v11Builder(String fullName) {
        return newBuilder(SchemaComparator.allMessages(V11).get(fullName), "csi.v1.Csi$");
    }

    private static Message.Builder ourBuilder(String fullName) {
        return newBuilder(SchemaComparator.allMessages(OURS).get(fullName), "dev.lustrecsi.csi.v1.");
    }

    /**
     * The generated class of a message, e.g. csi.v1.VolumeCapability.MountVolume -> ...VolumeCapability$MountVolume.
     */
    private static Message.Builder newBuilder(Descriptor type, String classPrefix) {
        assertThat(type).isNotNull();
        Deque<String> names = new ArrayDeque<>();
        for (Descriptor d = type; d != null; d = d.getContainingType()) {
            names.push(d.getName());
        }
        try {
            Class<?> generated = Class.forName(classPrefix + String.join("$", names));
            return (Message.Builder) generated.getMethod("newBuilder").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no generated class for " + type.getFullName(), e);
        }
    }

    /** Fails unless every field of the message tree is set (exactly one member per oneof). */
    /** {@code sent}, with every field set, as the other side's generated type reads it off the wire. */
    static <T extends Message> T received(Message sent, Parser<T> reader) throws InvalidProtocolBufferException {
        assertEveryFieldSet(sent);
        return reader.parseFrom(sent.toByteString());
    }

    static void assertEveryFieldSet(MessageOrBuilder message) {
        Descriptor type = message.getDescriptorForType();
        for (OneofDescriptor oneof : type.getRealOneofs()) {
            assertThat(message.hasOneof(oneof)).as(oneof.getFullName()).isTrue();
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getRealContainingOneof() != null) {
                continue;
            }
            if (field.isRepeated()) {
                assertThat(message.getRepeatedFieldCount(field))
                        .as(field.getFullName())
                        .isPositive();
            } else {
                assertThat(message.hasField(field)).as(field.getFullName()).isTrue();
            }
        }
        for (Map.Entry<FieldDescriptor, Object> set : message.getAllFields().entrySet()) {
            if (set.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE
                    || set.getKey().isMapField()) {
                continue;
            }
            if (set.getKey().isRepeated()) {
                ((List<?>) set.getValue()).forEach(m -> assertEveryFieldSet((Message) m));
            } else {
                assertEveryFieldSet((Message) set.getValue());
            }
        }
    }

    static int unknownFieldCount(Message message) {
        int count = message.getUnknownFields().asMap().size();
        for (Map.Entry<FieldDescriptor, Object> set : message.getAllFields().entrySet()) {
            if (set.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (set.getKey().isRepeated()) {
                for (Object element : (List<?>) set.getValue()) {
                    count += unknownFieldCount((Message) element);
                }
            } else {
                count += unknownFieldCount((Message) set.getValue());
            }
        }
        return count;
    }

    static boolean hasFieldsNewerThanV11(Message message) {
        for (Map.Entry<FieldDescriptor, Object> set : message.getAllFields().entrySet()) {
            if (!isV11Field(set.getKey())) {
                return true;
            }
            if (set.getKey().getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                List<?> values = set.getKey().isRepeated() ? (List<?>) set.getValue() : List.of(set.getValue());
                for (Object value : values) {
                    if (hasFieldsNewerThanV11((Message) value)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Structural comparison of two schemas: every message, field and enum value of the reference must
     * exist in the candidate under the same number with the same name, type, cardinality, oneof and
     * csi_secret marking. Extra content in the candidate (newer spec versions) is allowed.
     */
    static final class SchemaComparator {

        static List<String> compare(FileDescriptor reference, FileDescriptor candidate) {
            List<String> problems = new ArrayList<>();
            forEachCounterpart(
                    allMessages(reference), allMessages(candidate), "message", problems, (message, other) -> {
                        for (FieldDescriptor field : message.getFields()) {
                            compareField(field, other.findFieldByNumber(field.getNumber()), problems);
                        }
                    });
            forEachCounterpart(allEnums(reference), allEnums(candidate), "enum", problems, (enumType, other) -> {
                for (EnumValueDescriptor value : enumType.getValues()) {
                    EnumValueDescriptor same = other.findValueByNumber(value.getNumber());
                    if (same == null || !same.getName().equals(value.getName())) {
                        problems.add(enumType.getFullName() + "." + value.getName() + " = " + value.getNumber() + ": "
                                + (same == null ? "no value with that number" : "is named " + same.getName()));
                    }
                }
            });
            return problems;
        }

        /** Compares each type of the reference with the candidate's of that full name; a missing one is a problem. */
        private static <T extends GenericDescriptor> void forEachCounterpart(
                Map<String, T> reference,
                Map<String, T> candidate,
                String kind,
                List<String> problems,
                BiConsumer<T, T> compare) {
            for (T type : reference.values()) {
                T other = candidate.get(type.getFullName());
                if (other == null) {
                    problems.add("missing " + kind + " " + type.getFullName());
                } else {
                    compare.accept(type, other);
                }
            }
        }

        /** The message or enum type a field refers to, by full name; empty for a scalar field. */
        private static String referencedType(FieldDescriptor field) {
            return switch (field.getType()) {
                case MESSAGE -> field.getMessageType().getFullName();
                case ENUM -> field.getEnumType().getFullName();
                default -> "";
            };
        }

        private static void compareField(FieldDescriptor expected, FieldDescriptor actual, List<String> problems) {
            String where = expected.getContainingType().getFullName() + "." + expected.getName() + " = "
                    + expected.getNumber();
            if (actual == null) {
                problems.add(where + ": no field with that number");
                return;
            }
            if (!actual.getName().equals(expected.getName())) {
                problems.add(where + ": is named " + actual.getName());
            }
            if (actual.getType() != expected.getType()) {
                problems.add(where + ": type " + actual.getType() + " instead of " + expected.getType());
            }
            if (actual.isRepeated() != expected.isRepeated() || actual.isMapField() != expected.isMapField()) {
                problems.add(where + ": cardinality differs");
            }
            if (actual.getType() == expected.getType()
                    && !referencedType(actual).equals(referencedType(expected))) {
                problems.add(where + ": " + actual.getType().name().toLowerCase(Locale.ROOT) + " type "
                        + referencedType(actual));
            }
            String expectedOneof = oneofName(expected);
            String actualOneof = oneofName(actual);
            if (!expectedOneof.equals(actualOneof)) {
                problems.add(where + ": in oneof '" + actualOneof + "' instead of '" + expectedOneof + "'");
            }
            if (isCsiSecret(actual) != isCsiSecret(expected)) {
                problems.add(where + ": csi_secret is " + isCsiSecret(actual) + " instead of " + isCsiSecret(expected));
            }
        }

        private static String oneofName(FieldDescriptor field) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            return oneof == null ? "" : oneof.getName();
        }

        static Map<String, Descriptor> allMessages(FileDescriptor file) {
            Map<String, Descriptor> all = new LinkedHashMap<>();
            Deque<Descriptor> pending = new ArrayDeque<>(file.getMessageTypes());
            while (!pending.isEmpty()) {
                Descriptor message = pending.poll();
                all.put(message.getFullName(), message);
                pending.addAll(message.getNestedTypes());
            }
            return all;
        }

        static Map<String, EnumDescriptor> allEnums(FileDescriptor file) {
            Map<String, EnumDescriptor> all = new LinkedHashMap<>();
            file.getEnumTypes().forEach(e -> all.put(e.getFullName(), e));
            for (Descriptor message : allMessages(file).values()) {
                message.getEnumTypes().forEach(e -> all.put(e.getFullName(), e));
            }
            return all;
        }
    }

    /**
     * Fills a message tree through the reflection API with deterministic, non-default values that depend
     * only on field names and positions, so two independent builds of the same schema yield the same data.
     */
    static final class Populator {

        private static final int MAX_DEPTH = 8;

        private final Predicate<FieldDescriptor> include;
        private final Function<EnumDescriptor, EnumValueDescriptor> enumChoice;

        private Populator(
                Predicate<FieldDescriptor> include, Function<EnumDescriptor, EnumValueDescriptor> enumChoice) {
            this.include = include;
            this.enumChoice = enumChoice;
        }

        /** Every field of the schema; each enum at its highest value in that schema. */
        static Populator allFields() {
            return new Populator(f -> true, Populator::highestValue);
        }

        /** Only fields that exist in v1.1; each enum at its highest v1.1 value. */
        static Populator onlyV11Fields() {
            Map<String, EnumDescriptor> v11Enums = SchemaComparator.allEnums(V11);
            return new Populator(WireCompatibilityTest::isV11Field, ours -> {
                int number = highestValue(v11Enums.get(ours.getFullName())).getNumber();
                return ours.findValueByNumber(number);
            });
        }

        private static EnumValueDescriptor highestValue(EnumDescriptor type) {
            return type.getValues().stream()
                    .max(Comparator.comparingInt(EnumValueDescriptor::getNumber))
                    .orElseThrow();
        }

        Message populate(Message.Builder builder, int oneofBranch) {
            fill(builder, builder.getDescriptorForType().getFullName(), oneofBranch, 0);
            return builder.build();
        }

        private void fill(Message.Builder builder, String path, int oneofBranch, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalStateException("unexpectedly deep message tree at " + path);
            }
            for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
                if (!include.test(field) || !isChosenOneofMember(field, oneofBranch)) {
                    continue;
                }
                String fieldPath = path + "." + field.getName();
                if (field.isMapField()) {
                    for (int i = 1; i <= 2; i++) {
                        Message.Builder entry = builder.newBuilderForField(field);
                        FieldDescriptor key = entry.getDescriptorForType().findFieldByNumber(1);
                        FieldDescriptor value = entry.getDescriptorForType().findFieldByNumber(2);
                        entry.setField(key, scalar(key, fieldPath + ".key", i));
                        entry.setField(value, value(entry, value, fieldPath + ".value", i, oneofBranch, depth));
                        builder.addRepeatedField(field, entry.build());
                    }
                } else if (field.isRepeated()) {
                    for (int i = 1; i <= 2; i++) {
                        builder.addRepeatedField(field, value(builder, field, fieldPath, i, oneofBranch, depth));
                    }
                } else {
                    builder.setField(field, value(builder, field, fieldPath, 1, oneofBranch, depth));
                }
            }
        }

        /** Picks oneof members by field number, not declaration order, which has no meaning on the wire. */
        private boolean isChosenOneofMember(FieldDescriptor field, int oneofBranch) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof == null) {
                return true;
            }
            List<FieldDescriptor> members = oneof.getFields().stream()
                    .filter(include)
                    .sorted(Comparator.comparingInt(FieldDescriptor::getNumber))
                    .toList();
            return members.get(oneofBranch % members.size()) == field;
        }

        private Object value(
                Message.Builder parent, FieldDescriptor field, String path, int index, int oneofBranch, int depth) {
            switch (field.getJavaType()) {
                case MESSAGE: {
                    Message.Builder nested = parent.newBuilderForField(field);
                    fill(nested, path + "[" + index + "]", oneofBranch, depth + 1);
                    return nested.build();
                }
                case ENUM:
                    return enumChoice.apply(field.getEnumType());
                default:
                    return scalar(field, path, index);
            }
        }

        private static Object scalar(FieldDescriptor field, String path, int index) {
            // Small and positive, so that e.g. Timestamp.nanos stays within its valid range.
            int small = (path.hashCode() & 0x3fff) + index;
            switch (field.getJavaType()) {
                case STRING:
                    return path + "#" + index;
                case INT:
                    return small;
                case LONG:
                    return 1_000_003L * small;
                case BOOLEAN:
                    return true;
                case FLOAT:
                    return (float) small;
                case DOUBLE:
                    return (double) small;
                case BYTE_STRING:
                    return ByteString.copyFromUtf8(path + "#" + index);
                default:
                    throw new IllegalArgumentException("not a scalar: " + field.getFullName());
            }
        }
    }

    /**
     * A schema-independent view of a message: field "number:name" to plain values, enums as numbers,
     * maps as maps, so that messages of two different generated classes can be compared for equality.
     */
    static final class Normalized {

        static Map<String, Object> of(MessageOrBuilder message, Predicate<FieldDescriptor> include) {
            Map<String, Object> fields = new TreeMap<>();
            for (Map.Entry<FieldDescriptor, Object> set : message.getAllFields().entrySet()) {
                FieldDescriptor field = set.getKey();
                if (include.test(field)) {
                    fields.put(field.getNumber() + ":" + field.getName(), value(field, set.getValue(), include));
                }
            }
            return fields;
        }

        private static Object value(FieldDescriptor field, Object value, Predicate<FieldDescriptor> include) {
            if (field.isMapField()) {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (Object element : (List<?>) value) {
                    Message entry = (Message) element;
                    FieldDescriptor key = entry.getDescriptorForType().findFieldByNumber(1);
                    FieldDescriptor val = entry.getDescriptorForType().findFieldByNumber(2);
                    map.put(single(key, entry.getField(key), include), single(val, entry.getField(val), include));
                }
                return map;
            }
            if (field.isRepeated()) {
                return ((List<?>) value)
                        .stream().map(v -> single(field, v, include)).toList();
            }
            return single(field, value, include);
        }

        private static Object single(FieldDescriptor field, Object value, Predicate<FieldDescriptor> include) {
            switch (field.getJavaType()) {
                case MESSAGE:
                    return of((Message) value, include);
                case ENUM:
                    return ((EnumValueDescriptor) value).getNumber();
                default:
                    return value;
            }
        }
    }
}
