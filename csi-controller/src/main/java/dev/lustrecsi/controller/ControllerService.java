package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ManagedVolumes.topologyKey;

import dev.lustrecsi.controller.ManagedVolumes.Described;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.csi.server.GrpcErrors;
import dev.lustrecsi.csi.server.VolumeCapabilities;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerExpandVolumeResponse;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesResponse;
import dev.lustrecsi.csi.v1.ControllerGetVolumeRequest;
import dev.lustrecsi.csi.v1.ControllerGetVolumeResponse;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.ControllerServiceCapability;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.CreateVolumeResponse;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeResponse;
import dev.lustrecsi.csi.v1.GetCapacityRequest;
import dev.lustrecsi.csi.v1.GetCapacityResponse;
import dev.lustrecsi.csi.v1.ListVolumesRequest;
import dev.lustrecsi.csi.v1.ListVolumesResponse;
import dev.lustrecsi.csi.v1.Topology;
import dev.lustrecsi.csi.v1.TopologyRequirement;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ValidateVolumeCapabilitiesResponse;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.NetworkType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI Controller service's RPC layer: it checks each request (required fields first, as the CSI spec's error
 * tables ask), takes the volume's lock, hands the work to the volume's kind and builds the response. Volumes come
 * in two managed kinds and one unmanaged:
 * <ul>
 *   <li><b>shared</b> ({@link SharedPoolVolumes}): a directory on a pool LustreFileSystem with a project quota;
 *       volume id {@code v1:<ns>:<pool>:<fsname>:<name>}.</li>
 *   <li><b>dedicated</b> ({@link DedicatedVolumes}): a whole LustreFileSystem per volume; volume id
 *       {@code v1:<ns>:<resource>:<fsname>:}.</li>
 *   <li><b>static</b>: a PV an admin wrote for an existing filesystem; the node mounts it from its attributes and
 *       the controller is never asked to create or delete it.</li>
 * </ul>
 * Failures are thrown as gRPC statuses and answered by csi-api's {@link GrpcErrors}, the one mapping of exceptions
 * to statuses. Between calls memory holds the per-volume locks ({@link VolumeKinds}) that serialize concurrent
 * duplicates, and the view of the records that {@link VolumeRecords} keeps current from the API server.
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);

    /** Used when a request sets neither required nor limit bytes. */
    public static final long DEFAULT_CAPACITY = 1L << 30;
    /**
     * Volume names (CSI allows 128 bytes; external-provisioner's are {@code pvc-<uuid>}) become directory names and
     * record names: a conservative, path-safe character set. Names of up to 63 characters are used as they are;
     * longer ones map deterministically to {@link VolumeNames#directoryName}.
     */
    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private static final List<ControllerServiceCapability.RPC.Type> CAPABILITIES = List.of(
            ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
            ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
            ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
            ControllerServiceCapability.RPC.Type.GET_CAPACITY,
            ControllerServiceCapability.RPC.Type.GET_VOLUME,
            ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
            ControllerServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER,
            ControllerServiceCapability.RPC.Type.CLONE_VOLUME);

    private final ControllerConfig config;
    private final VolumeKinds kinds;

    public ControllerService(ControllerConfig config, VolumeKinds kinds) {
        this.config = config;
        this.kinds = kinds;
    }

    // ---------------------------------------------------------------- capabilities

    @Override
    public void controllerGetCapabilities(
            ControllerGetCapabilitiesRequest request, StreamObserver<ControllerGetCapabilitiesResponse> response) {
        respond(response, () -> {
            ControllerGetCapabilitiesResponse.Builder b = ControllerGetCapabilitiesResponse.newBuilder();
            for (ControllerServiceCapability.RPC.Type type : CAPABILITIES) {
                b.addCapabilities(ControllerServiceCapability.newBuilder()
                        .setRpc(ControllerServiceCapability.RPC.newBuilder().setType(type)));
            }
            return b.build();
        });
    }

    // ---------------------------------------------------------------- CreateVolume

    @Override
    public void createVolume(CreateVolumeRequest request, StreamObserver<CreateVolumeResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, CreateVolume errors), so no refusal is for an unrelated field.
            String requestedName = request.getName();
            if (requestedName.isEmpty()) {
                throw invalid("name is required");
            }
            if (request.getVolumeCapabilitiesCount() == 0) {
                throw invalid("volume_capabilities is required");
            }
            if (!VOLUME_NAME.matcher(requestedName).matches() || requestedName.contains("..")) {
                throw invalid("volume name '" + abbreviate(requestedName) + "' must be 1-128 letters, digits, '.', '_'"
                        + " or '-', starting with a letter or digit");
            }
            String name = VolumeNames.directoryName(requestedName);
            requireCapabilities(request.getVolumeCapabilitiesList());
            if (request.hasVolumeContentSource()) {
                requireVolumeSource(request.getVolumeContentSource());
            }
            if (!request.getMutableParamsMap().isEmpty()) {
                throw invalid("mutable parameters are not supported");
            }
            long capacity = capacity(request);
            long limit = request.getCapacityRange().getLimitBytes();
            StorageClassParameters params;
            try {
                params = StorageClassParameters.parse(request.getParametersMap());
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            requireReachable(request, params.network());
            String fingerprint = StorageClassParameters.fingerprint(request.getParametersMap());
            String pvc = claimOf(request.getParametersMap());
            String namespace = params.namespace().orElse(config.namespace());
            VolumeKind kind = kinds.of(params.mode());
            VolumeKind.NewVolume volume =
                    new VolumeKind.NewVolume(name, capacity, limit, params, namespace, fingerprint, pvc, null);
            if (request.hasVolumeContentSource()) {
                String source = request.getVolumeContentSource().getVolume().getVolumeId();
                boolean sizeGiven = request.getCapacityRange().getRequiredBytes() > 0;
                return CreateVolumeResponse.newBuilder()
                        .setVolume(withLock(
                                kind.lockKey(volume), () -> kinds.clones().create(volume, source, sizeGiven)))
                        .build();
            }
            return CreateVolumeResponse.newBuilder()
                    .setVolume(withLock(kind.lockKey(volume), () -> kind.create(volume)))
                    .build();
        });
    }

    // ---------------------------------------------------------------- DeleteVolume

    @Override
    public void deleteVolume(DeleteVolumeRequest request, StreamObserver<DeleteVolumeResponse> response) {
        respond(response, () -> {
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            Optional<VolumeId> parsed = VolumeId.tryParse(request.getVolumeId());
            if (parsed.isEmpty() || !parsed.get().isManaged()) {
                // No volume this driver created can have that id: by the spec, deleting it succeeds and touches
                // nothing.
                LOG.info(
                        "DeleteVolume of {} id '{}': nothing of ours to delete",
                        parsed.isEmpty() ? "malformed" : "static",
                        abbreviate(request.getVolumeId()));
                return DeleteVolumeResponse.getDefaultInstance();
            }
            VolumeId id = parsed.get();
            kinds.inUse().refuseWhileInUse(id);
            return withLock(lockKey(id), () -> {
                kinds.clones().stop(id);
                kinds.of(id).delete(id);
                return DeleteVolumeResponse.getDefaultInstance();
            });
        });
    }

    // ---------------------------------------------------------------- ControllerExpandVolume

    @Override
    public void controllerExpandVolume(
            ControllerExpandVolumeRequest request, StreamObserver<ControllerExpandVolumeResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, ControllerExpandVolume errors), then whether the id can be ours.
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            if (!request.hasCapacityRange()) {
                throw invalid("capacity_range is required");
            }
            VolumeId id = requireVolumeId(request.getVolumeId());
            long required = request.getCapacityRange().getRequiredBytes();
            long limit = request.getCapacityRange().getLimitBytes();
            if (required < 0 || limit < 0 || (limit > 0 && required > limit)) {
                throw Status.OUT_OF_RANGE
                        .withDescription("invalid capacity range: required " + required + ", limit " + limit)
                        .asRuntimeException();
            }
            long wanted = required > 0 ? required : limit;
            if (wanted == 0) {
                throw invalid("capacity_range sets no size");
            }
            if (request.hasVolumeCapability()) {
                requireCapabilities(List.of(request.getVolumeCapability()));
            }
            if (!id.isManaged()) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(
                                "volume " + id + " is a static volume on a filesystem this driver does not manage")
                        .asRuntimeException();
            }
            long capacity = withLock(lockKey(id), () -> kinds.of(id).expand(id, wanted));
            // Quotas and OSTs are server side: nothing for the node to do.
            return ControllerExpandVolumeResponse.newBuilder()
                    .setCapacityBytes(capacity)
                    .setNodeExpansionRequired(false)
                    .build();
        });
    }

    // ---------------------------------------------------------------- ValidateVolumeCapabilities

    @Override
    public void validateVolumeCapabilities(
            ValidateVolumeCapabilitiesRequest request, StreamObserver<ValidateVolumeCapabilitiesResponse> response) {
        respond(response, () -> {
            // Required fields first (CSI spec, ValidateVolumeCapabilities errors), then whether the id can be ours.
            if (request.getVolumeId().isEmpty()) {
                throw invalid("volume_id is required");
            }
            if (request.getVolumeCapabilitiesCount() == 0) {
                throw invalid("volume_capabilities is required");
            }
            VolumeId id = requireVolumeId(request.getVolumeId());
            if (id.isManaged()) {
                describe(id).orElseThrow(() -> notFound(id));
            }
            ValidateVolumeCapabilitiesResponse.Builder b = ValidateVolumeCapabilitiesResponse.newBuilder();
            try {
                requireCapabilities(request.getVolumeCapabilitiesList());
                if (!request.getParametersMap().isEmpty()) {
                    StorageClassParameters.parse(request.getParametersMap());
                }
            } catch (StatusRuntimeException | IllegalArgumentException e) {
                String message = e instanceof StatusRuntimeException sre
                        ? sre.getStatus().getDescription()
                        : e.getMessage();
                return b.setMessage(message).build();
            }
            return b.setConfirmed(ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                            .putAllVolumeContext(request.getVolumeContextMap())
                            .addAllVolumeCapabilities(request.getVolumeCapabilitiesList())
                            .putAllParameters(request.getParametersMap()))
                    .build();
        });
    }

    // ---------------------------------------------------------------- ListVolumes, ControllerGetVolume

    @Override
    public void listVolumes(ListVolumesRequest request, StreamObserver<ListVolumesResponse> response) {
        respond(response, () -> {
            if (request.getMaxEntries() < 0) {
                throw invalid("max_entries must not be negative");
            }
            String token = request.getStartingToken();
            if (!token.isEmpty() && VolumeId.tryParse(token).isEmpty()) {
                throw Status.ABORTED
                        .withDescription("starting_token '" + abbreviate(token) + "' is not one this plugin issued")
                        .asRuntimeException();
            }
            int max = request.getMaxEntries() == 0 ? Integer.MAX_VALUE : request.getMaxEntries();
            List<Described> from = listFrom(token, max == Integer.MAX_VALUE ? max : max + 1);
            ListVolumesResponse.Builder b = ListVolumesResponse.newBuilder();
            for (int i = 0; i < from.size(); i++) {
                if (i == max) {
                    // The next id, not an index: stable while volumes come and go between pages.
                    b.setNextToken(from.get(i).volume().getVolumeId());
                    break;
                }
                b.addEntries(ListVolumesResponse.Entry.newBuilder()
                        .setVolume(from.get(i).volume())
                        .setStatus(ListVolumesResponse.VolumeStatus.newBuilder()
                                .setVolumeCondition(from.get(i).condition())));
            }
            return b.build();
        });
    }

    /** Shared volumes paged from the records, merged in id order with the dedicated filesystems. */
    private List<Described> listFrom(String token, int max) {
        // One LIST of the filesystems per listing (its first page), none per continuation page.
        LustreFileSystems.Listing fileSystems = kinds.shared().fileSystemsForListing(token.isEmpty());
        List<Described> shared = kinds.shared().listFrom(token, max, fileSystems);
        List<Described> dedicated = kinds.dedicated().listFrom(token, fileSystems);
        List<Described> merged = new ArrayList<>(Math.min(max, shared.size() + dedicated.size()));
        int i = 0;
        int j = 0;
        while (merged.size() < max && (i < shared.size() || j < dedicated.size())) {
            boolean takeShared = j >= dedicated.size()
                    || i < shared.size()
                            && shared.get(i)
                                            .volume()
                                            .getVolumeId()
                                            .compareTo(dedicated.get(j).volume().getVolumeId())
                                    <= 0;
            merged.add(takeShared ? shared.get(i++) : dedicated.get(j++));
        }
        return merged;
    }

    @Override
    public void controllerGetVolume(
            ControllerGetVolumeRequest request, StreamObserver<ControllerGetVolumeResponse> response) {
        respond(response, () -> {
            VolumeId id = requireVolumeId(request.getVolumeId());
            Described d = describe(id).orElseThrow(() -> notFound(id));
            return ControllerGetVolumeResponse.newBuilder()
                    .setVolume(d.volume())
                    .setStatus(ControllerGetVolumeResponse.VolumeStatus.newBuilder()
                            .setVolumeCondition(d.condition()))
                    .build();
        });
    }

    private Optional<Described> describe(VolumeId id) {
        return id.isManaged() ? kinds.of(id).describe(id) : Optional.empty();
    }

    // ---------------------------------------------------------------- GetCapacity

    @Override
    public void getCapacity(GetCapacityRequest request, StreamObserver<GetCapacityResponse> response) {
        respond(response, () -> {
            if (request.getVolumeCapabilitiesCount() > 0) {
                requireCapabilities(request.getVolumeCapabilitiesList());
            }
            if (request.getParametersMap().isEmpty()) {
                // No StorageClass: what every existing pool can still take (CSI spec: the total available capacity).
                return GetCapacityResponse.newBuilder()
                        .setAvailableCapacity(kinds.shared().availableInAllPools())
                        .build();
            }
            StorageClassParameters params;
            try {
                params = StorageClassParameters.parse(request.getParametersMap());
            } catch (IllegalArgumentException e) {
                throw invalid(e.getMessage());
            }
            String namespace = params.namespace().orElse(config.namespace());
            Optional<LustreFileSystem> existingPool = params.mode() == StorageClassParameters.Mode.SHARED
                    ? kinds.shared().pool(namespace, params.pool())
                    : Optional.empty();
            NetworkType network = existingPool.map(ManagedVolumes::networkOf).orElse(params.network());
            if (request.hasAccessibleTopology()
                    && !"true"
                            .equals(request.getAccessibleTopology()
                                    .getSegmentsMap()
                                    .get(topologyKey(network)))) {
                // Nodes in that segment cannot reach a filesystem on this network.
                return GetCapacityResponse.newBuilder().setAvailableCapacity(0).build();
            }
            long available = params.mode() == StorageClassParameters.Mode.SHARED
                    ? kinds.shared().available(namespace, params, existingPool)
                    : kinds.dedicated().available(params);
            long maxVolume = available;
            return GetCapacityResponse.newBuilder()
                    .setAvailableCapacity(available)
                    .setMaximumVolumeSize(com.google.protobuf.Int64Value.of(maxVolume))
                    .setMinimumVolumeSize(com.google.protobuf.Int64Value.of(1024))
                    .build();
        });
    }

    /** Empty ids are INVALID_ARGUMENT; ids that cannot be ours are NOT_FOUND, as the CSI spec's tables ask. */
    private static VolumeId requireVolumeId(String text) {
        if (text.isEmpty()) {
            throw invalid("volume_id is required");
        }
        try {
            return VolumeId.parse(text);
        } catch (IllegalArgumentException e) {
            throw Status.NOT_FOUND
                    .withDescription("no such volume: " + e.getMessage())
                    .asRuntimeException();
        }
    }

    /** Only volumes can be sources: snapshots are not offered (CREATE_DELETE_SNAPSHOT is not advertised). */
    private static void requireVolumeSource(dev.lustrecsi.csi.v1.VolumeContentSource source) {
        if (source.hasSnapshot()) {
            throw invalid("volume_content_source: snapshots are not supported by this driver; clone a volume instead");
        }
        if (!source.hasVolume()) {
            throw invalid("volume_content_source names neither a snapshot nor a volume");
        }
        if (source.getVolume().getVolumeId().isEmpty()) {
            throw invalid("volume_content_source.volume.volume_id is required");
        }
    }

    private static void requireCapabilities(List<VolumeCapability> capabilities) {
        VolumeCapabilities.requireAll(capabilities);
    }

    /** The claim a volume is for, when the external-provisioner passes it ({@code --extra-create-metadata}). */
    private static String claimOf(Map<String, String> parameters) {
        String ns = parameters.get("csi.storage.k8s.io/pvc/namespace");
        String name = parameters.get("csi.storage.k8s.io/pvc/name");
        return ns == null || name == null || ns.isEmpty() || name.isEmpty() ? null : ns + "/" + name;
    }

    private static long capacity(CreateVolumeRequest request) {
        long required = request.getCapacityRange().getRequiredBytes();
        long limit = request.getCapacityRange().getLimitBytes();
        if (required < 0 || limit < 0) {
            throw Status.OUT_OF_RANGE
                    .withDescription("capacity must not be negative")
                    .asRuntimeException();
        }
        if (limit > 0 && required > limit) {
            throw Status.OUT_OF_RANGE
                    .withDescription("required_bytes " + required + " exceeds limit_bytes " + limit)
                    .asRuntimeException();
        }
        if (required > 0) {
            return required;
        }
        return limit > 0 ? Math.min(limit, DEFAULT_CAPACITY) : DEFAULT_CAPACITY;
    }

    private static void requireReachable(CreateVolumeRequest request, NetworkType network) {
        if (!request.hasAccessibilityRequirements()) {
            return;
        }
        TopologyRequirement req = request.getAccessibilityRequirements();
        List<Topology> candidates = new ArrayList<>(req.getRequisiteList());
        candidates.addAll(req.getPreferredList());
        if (candidates.isEmpty()) {
            return;
        }
        String key = topologyKey(network);
        boolean reachable = candidates.stream()
                .anyMatch(t -> "true".equals(t.getSegmentsMap().get(key)));
        if (!reachable) {
            throw Status.RESOURCE_EXHAUSTED
                    .withDescription("no node in the accessibility requirements has " + key + "=true: a "
                            + network.lnetName() + " filesystem would be unreachable")
                    .asRuntimeException();
        }
    }

    private static String lockKey(VolumeId id) {
        return VolumeKinds.lockKey(id);
    }

    /**
     * Serializes calls for one volume in this process: a concurrent duplicate waits for the first and then
     * finds its result. Across processes the resourceVersion-checked writes keep the outcome single.
     */
    private <T> T withLock(String key, Supplier<T> body) {
        return kinds.locked(key, body);
    }

    private static <T> void respond(StreamObserver<T> observer, Supplier<T> body) {
        GrpcErrors.answer(observer, body);
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static StatusRuntimeException notFound(VolumeId id) {
        return Status.NOT_FOUND
                .withDescription("volume " + id + " does not exist")
                .asRuntimeException();
    }

    private static String abbreviate(String s) {
        return GrpcErrors.quote(s, 80);
    }
}
