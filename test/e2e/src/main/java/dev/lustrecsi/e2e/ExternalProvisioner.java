package dev.lustrecsi.e2e;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.CreateVolumeResponse;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeCapability;
import dev.lustrecsi.model.ApiTime;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * What the external-provisioner sidecar and Kubernetes' PV controller do for this driver, as one sync pass:
 * for each unbound PVC of a StorageClass naming this driver, CreateVolume over the CSI socket with the name
 * {@code pvc-<uid>} and the class parameters plus the claim metadata ({@code --extra-create-metadata}), write
 * the PV back and bind the claim; for each PV whose claim is gone and whose policy is Delete, DeleteVolume and
 * remove the PV. A failed call leaves the claim Pending, is recorded as a {@code ProvisioningFailed} Warning
 * Event on the claim, and is retried with exponential backoff per claim, like the sidecar: external-provisioner
 * v5.3.0 {@code --retry-interval-start} (default 1s) "doubles with each failure, up to
 * --retry-interval-max" (default 5m) — both from the binary's own {@code --help}.
 *
 * <p>On the real control plane the real sidecar and PV controller do all this; {@link #observing} gives an
 * instance whose {@link #sync()} does nothing, so the same tests read the same results.
 */
public final class ExternalProvisioner {
    private final KubernetesClient client;
    private final Supplier<ControllerGrpc.ControllerBlockingStub> controller;
    /** The last CSI error per claim (ns/name) or PV, as the sidecar would put in an event. */
    private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
    /** Every CSI error code the controller answered, oldest first. */
    private final List<Status.Code> errorCodes = new CopyOnWriteArrayList<>();

    private final boolean emulating;
    /** Per claim: failures in a row and when the next attempt is due (the sidecar's rate-limited requeue). */
    private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();

    private final RetryIntervals retry;

    private record Backoff(int failures, long dueNanos) {}

    /** The sidecar's defaults: 1s doubling up to 5m. */
    private static final RetryIntervals SIDECAR_DEFAULTS =
            new RetryIntervals(Duration.ofSeconds(1), Duration.ofMinutes(5));

    /**
     * The sidecar's per-claim retry delays ({@code --retry-interval-start}, {@code --retry-interval-max}):
     * client-go's exponential failure rate limiter, {@code start * 2^(failures-1)} capped at {@code max}.
     */
    private record RetryIntervals(Duration start, Duration max) {
        long delayNanos(int failures) {
            return Math.min(max.toNanos(), start.toNanos() << Math.min(failures - 1, 30));
        }
    }

    /** With the sidecar's default retry intervals (1s doubling up to 5m). */
    public ExternalProvisioner(KubernetesClient client, Supplier<ControllerGrpc.ControllerBlockingStub> controller) {
        this(client, controller, SIDECAR_DEFAULTS, true);
    }

    /** As the sidecar with {@code --retry-interval-start} and {@code --retry-interval-max}. */
    public ExternalProvisioner(
            KubernetesClient client,
            Supplier<ControllerGrpc.ControllerBlockingStub> controller,
            Duration retryStart,
            Duration retryMax) {
        this(client, controller, new RetryIntervals(retryStart, retryMax), true);
    }

    private ExternalProvisioner(
            KubernetesClient client,
            Supplier<ControllerGrpc.ControllerBlockingStub> controller,
            RetryIntervals retry,
            boolean emulating) {
        this.client = client;
        this.controller = controller;
        this.retry = retry;
        this.emulating = emulating;
    }

    /** Where the real external-provisioner runs: reads claims and volumes, provisions nothing itself. */
    public static ExternalProvisioner observing(KubernetesClient client) {
        return new ExternalProvisioner(
                client,
                () -> {
                    throw new IllegalStateException("the real external-provisioner drives the controller");
                },
                SIDECAR_DEFAULTS,
                false);
    }

    /** A PVC as a user writes it. */
    public static PersistentVolumeClaim claim(String namespace, String name, String size, String storageClass) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteMany")
                .withStorageClassName(storageClass)
                .withNewResources()
                .addToRequests("storage", new Quantity(size))
                .endResources()
                .endSpec()
                .build();
    }

    public Map<String, String> lastErrors() {
        return Map.copyOf(lastErrors);
    }

    public List<Status.Code> errorCodes() {
        return List.copyOf(errorCodes);
    }

    /** One pass over every claim and volume of this driver; returns how many objects it changed. */
    public int sync() {
        if (!emulating) {
            return 0;
        }
        int changed = 0;
        for (PersistentVolumeClaim pvc :
                client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
            if (pvc.getSpec().getVolumeName() == null && pvc.getMetadata().getDeletionTimestamp() == null) {
                changed += provision(pvc) ? 1 : 0;
            }
        }
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            changed += reclaimIfReleased(pv) ? 1 : 0;
        }
        return changed;
    }

    /** Provisions one claim if it is ours; true when it got bound. */
    public boolean provision(PersistentVolumeClaim pvc) {
        StorageClass sc = pvc.getSpec().getStorageClassName() == null
                ? null
                : client.storage()
                        .v1()
                        .storageClasses()
                        .withName(pvc.getSpec().getStorageClassName())
                        .get();
        if (sc == null || !DriverNames.DRIVER_NAME.equals(sc.getProvisioner())) {
            return false;
        }
        String key = pvc.getMetadata().getNamespace() + "/" + pvc.getMetadata().getName();
        Backoff wait = backoff.get(key);
        if (wait != null && System.nanoTime() - wait.dueNanos() < 0) {
            return false;
        }
        String pvName = "pvc-" + pvc.getMetadata().getUid();
        Map<String, String> parameters = new HashMap<>(sc.getParameters() == null ? Map.of() : sc.getParameters());
        parameters.put("csi.storage.k8s.io/pvc/name", pvc.getMetadata().getName());
        parameters.put("csi.storage.k8s.io/pvc/namespace", pvc.getMetadata().getNamespace());
        parameters.put("csi.storage.k8s.io/pv/name", pvName);
        long bytes = pvc.getSpec()
                .getResources()
                .getRequests()
                .get("storage")
                .getNumericalAmount()
                .longValueExact();
        CreateVolumeRequest.Builder request = CreateVolumeRequest.newBuilder()
                .setName(pvName)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes))
                .putAllParameters(parameters);
        for (String mode : pvc.getSpec().getAccessModes()) {
            request.addVolumeCapabilities(capability(mode));
        }
        CreateVolumeResponse response;
        try {
            response = controller.get().createVolume(request.build());
        } catch (StatusRuntimeException e) {
            lastErrors.put(key, e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            errorCodes.add(e.getStatus().getCode());
            int failures = wait == null ? 1 : wait.failures() + 1;
            backoff.put(key, new Backoff(failures, System.nanoTime() + retry.delayNanos(failures)));
            recordProvisioningFailed(pvc, sc.getMetadata().getName(), e.getStatus());
            return false;
        }
        lastErrors.remove(key);
        backoff.remove(key);
        Volume v = response.getVolume();
        PersistentVolume pv = new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(pvName)
                .addToAnnotations("pv.kubernetes.io/provisioned-by", DriverNames.DRIVER_NAME)
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", quantity(v.getCapacityBytes()))
                .withAccessModes(pvc.getSpec().getAccessModes())
                .withPersistentVolumeReclaimPolicy(sc.getReclaimPolicy() == null ? "Delete" : sc.getReclaimPolicy())
                .withStorageClassName(sc.getMetadata().getName())
                .withVolumeMode("Filesystem")
                .withNewCsi()
                .withDriver(DriverNames.DRIVER_NAME)
                .withVolumeHandle(v.getVolumeId())
                .withFsType("lustre")
                .withVolumeAttributes(v.getVolumeContextMap())
                .endCsi()
                .withClaimRef(new ObjectReferenceBuilder()
                        .withKind("PersistentVolumeClaim")
                        .withApiVersion("v1")
                        .withNamespace(pvc.getMetadata().getNamespace())
                        .withName(pvc.getMetadata().getName())
                        .withUid(pvc.getMetadata().getUid())
                        .build())
                .endSpec()
                .withNewStatus()
                .withPhase("Bound")
                .endStatus()
                .build();
        try {
            client.persistentVolumes().resource(pv).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        client.persistentVolumeClaims()
                .inNamespace(pvc.getMetadata().getNamespace())
                .withName(pvc.getMetadata().getName())
                .edit(c -> {
                    c.getSpec().setVolumeName(pvName);
                    c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                            .withPhase("Bound")
                            .withAccessModes(c.getSpec().getAccessModes())
                            .addToCapacity("storage", quantity(v.getCapacityBytes()))
                            .build());
                    return c;
                });
        return true;
    }

    /**
     * The Warning Event external-provisioner records on the claim (reason {@code ProvisioningFailed}, message
     * {@code failed to provision volume with StorageClass "<class>": rpc error: code = <Code> desc = <message>},
     * as sig-storage-lib-external-provisioner and grpc-go spell them). A repeat bumps the count of the same
     * Event, as client-go's event recorder aggregates identical events.
     */
    private void recordProvisioningFailed(PersistentVolumeClaim pvc, String storageClass, Status status) {
        String message = "failed to provision volume with StorageClass \"" + storageClass + "\": rpc error: code = "
                + grpcGoCodeName(status.getCode()) + " desc = " + status.getDescription();
        String ns = pvc.getMetadata().getNamespace();
        String name = pvc.getMetadata().getName() + "." + Integer.toHexString(message.hashCode());
        String now = ApiTime.time(Instant.now());
        try {
            Event existing = client.v1().events().inNamespace(ns).withName(name).get();
            if (existing != null) {
                client.v1().events().inNamespace(ns).withName(name).edit(ev -> {
                    ev.setCount(ev.getCount() == null ? 2 : ev.getCount() + 1);
                    ev.setLastTimestamp(now);
                    return ev;
                });
                return;
            }
            client.v1()
                    .events()
                    .inNamespace(ns)
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withNamespace(ns)
                            .withName(name)
                            .endMetadata()
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withKind("PersistentVolumeClaim")
                                    .withApiVersion("v1")
                                    .withNamespace(ns)
                                    .withName(pvc.getMetadata().getName())
                                    .withUid(pvc.getMetadata().getUid())
                                    .build())
                            .withType("Warning")
                            .withReason("ProvisioningFailed")
                            .withMessage(message)
                            .withNewSource()
                            .withComponent(DriverNames.DRIVER_NAME + "_csi-provisioner")
                            .endSource()
                            .withCount(1)
                            .withFirstTimestamp(now)
                            .withLastTimestamp(now)
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            // The sidecar's recorder drops events it cannot write; provisioning goes on.
            System.err.println("provisioner: cannot record an Event on " + ns + "/"
                    + pvc.getMetadata().getName() + ": " + e.getMessage());
        }
    }

    /** grpc-go's spelling of a code in {@code rpc error: code = ...} (e.g. InvalidArgument). */
    static String grpcGoCodeName(Status.Code code) {
        StringBuilder sb = new StringBuilder();
        for (String part : code.name().split("_")) {
            sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return switch (code) {
            case OK -> "OK";
            case CANCELLED -> "Canceled"; // grpc-go codes.Canceled
            default -> sb.toString();
        };
    }

    /** Warning Events on a claim, as {@code kubectl describe pvc} lists them. */
    public List<Event> eventsOf(String namespace, String claim) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null
                        && claim.equals(e.getInvolvedObject().getName())
                        && "PersistentVolumeClaim".equals(e.getInvolvedObject().getKind()))
                .toList();
    }

    /** DeleteVolume for a PV whose claim is gone (reclaim policy Delete); true when the PV was removed. */
    public boolean reclaimIfReleased(PersistentVolume pv) {
        if (pv.getSpec().getCsi() == null
                || !DriverNames.DRIVER_NAME.equals(pv.getSpec().getCsi().getDriver())
                || pv.getSpec().getClaimRef() == null) {
            return false;
        }
        var ref = pv.getSpec().getClaimRef();
        PersistentVolumeClaim pvc = client.persistentVolumeClaims()
                .inNamespace(ref.getNamespace())
                .withName(ref.getName())
                .get();
        if (pvc != null
                && (ref.getUid() == null
                        || ref.getUid().equals(pvc.getMetadata().getUid()))) {
            return false;
        }
        if (!"Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())) {
            return false;
        }
        String key = pv.getMetadata().getName();
        try {
            controller
                    .get()
                    .deleteVolume(DeleteVolumeRequest.newBuilder()
                            .setVolumeId(pv.getSpec().getCsi().getVolumeHandle())
                            .build());
        } catch (StatusRuntimeException e) {
            lastErrors.put(key, e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            errorCodes.add(e.getStatus().getCode());
            return false;
        }
        lastErrors.remove(key);
        client.persistentVolumes().withName(pv.getMetadata().getName()).delete();
        return true;
    }

    /** Bytes as Kubernetes writes them: whole GiB as {@code 50Gi}. */
    static Quantity quantity(long bytes) {
        long gi = 1L << 30;
        return bytes % gi == 0 ? new Quantity(bytes / gi + "Gi") : new Quantity(Long.toString(bytes));
    }

    public Optional<PersistentVolume> volumeOf(String namespace, String claim) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(claim)
                .get();
        if (pvc == null || pvc.getSpec().getVolumeName() == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(client.persistentVolumes()
                .withName(pvc.getSpec().getVolumeName())
                .get());
    }

    static VolumeCapability capability(String accessMode) {
        VolumeCapability.AccessMode.Mode mode = switch (accessMode) {
            case "ReadWriteOnce" -> VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER;
            case "ReadOnlyMany" -> VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY;
            case "ReadWriteOncePod" -> VolumeCapability.AccessMode.Mode.SINGLE_NODE_SINGLE_WRITER;
            default -> VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER;
        };
        return VolumeCapability.newBuilder()
                .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("lustre"))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode))
                .build();
    }
}
