package dev.lustrecsi.provisioner.orphans;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.SpecValidator;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.reconcile.EventReason;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevirt.v1.VirtualMachine;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds server VMs and target disks (PVCs) the operator made that no LustreFileSystem owns any more, and removes
 * them once they have been orphans for a grace period. What counts as an orphan:
 * <ul>
 *   <li>a VM labelled for a filesystem that does not exist, or that exists but whose plan ({@link Topology})
 *       has no server of that name (e.g. an OSS retired while the operator crashed between status write and
 *       VM deletion, or a VM left by {@code kubectl delete --cascade=orphan});</li>
 *   <li>a target PVC of an OST index the filesystem retired (drained and deactivated: it holds no objects);</li>
 *   <li>a target PVC of a filesystem that does not exist, created under {@code diskDeletionPolicy: Delete}.</li>
 * </ul>
 * Never touched: anything of a filesystem being deleted (its finalizer does that), anything of a filesystem whose
 * spec is invalid (no plan to compare with), any VM in the plan (standby servers included), any PVC a VM mounts,
 * any disk created under {@code Retain} (kept on purpose, for recovery), and objects without the operator's
 * {@code managed-by} label. The first sighting is recorded on the object as an annotation ({@value
 * Labels#ORPHANED_SINCE}), so the grace period survives restarts; an object that is owned again loses it.
 * Each sighting and removal is a Kubernetes Event on the object and a counter by kind.
 */
public final class ServerOrphanCollector {
    private static final Logger LOG = LoggerFactory.getLogger(ServerOrphanCollector.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Duration grace;
    private final Clock clock;
    private final EventRecorder events;
    private final Counter removed;
    private final Gauge pending;

    /** @param namespace the namespace to look in, or null for all */
    public ServerOrphanCollector(
            KubernetesClient client, String namespace, Duration grace, Clock clock, OrphanMetrics metrics) {
        this.client = client;
        this.namespace = namespace;
        this.grace = grace;
        this.clock = clock;
        this.events = new EventRecorder(client);
        this.removed = metrics.removed;
        this.pending = metrics.pending;
    }

    /** What one pass found and did. */
    public record Result(List<String> found, List<String> removed) {}

    /** One pass. Never throws for a single object that cannot be changed; the next pass tries again. */
    public synchronized Result collect() {
        Instant now = clock.instant();
        List<LustreFileSystem> filesystems =
                scoped(client.resources(LustreFileSystem.class)).list().getItems();
        Map<String, LustreFileSystem> byKey = filesystems.stream()
                .collect(Collectors.toMap(
                        f -> key(f.getMetadata().getNamespace(), f.getMetadata().getName()), f -> f));
        List<VirtualMachine> vms = scoped(client.resources(VirtualMachine.class))
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .list()
                .getItems();
        List<PersistentVolumeClaim> pvcs = scoped(client.persistentVolumeClaims())
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)
                .list()
                .getItems();
        Map<String, Optional<Topology>> plans = new HashMap<>();
        Function<LustreFileSystem, Optional<Topology>> plan = fs -> plans.computeIfAbsent(
                key(fs.getMetadata().getNamespace(), fs.getMetadata().getName()), k -> planOf(fs, vms));

        Set<String> mountedClaims = new HashSet<>();
        for (VirtualMachine vm :
                scoped(client.resources(VirtualMachine.class)).list().getItems()) {
            mountedClaims.addAll(claimsOf(vm));
        }
        List<String> found = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        int pendingVms = 0;
        int pendingDisks = 0;
        for (VirtualMachine vm : vms) {
            Optional<String> why = vmOrphanReason(vm, byKey, plan);
            if (handle(vm, VirtualMachine.class, OrphanKind.vm, why, now, found, gone)) {
                pendingVms++;
            }
        }
        for (PersistentVolumeClaim pvc : pvcs) {
            String id = key(pvc.getMetadata().getNamespace(), pvc.getMetadata().getName());
            Optional<String> why = mountedClaims.contains(id) ? Optional.empty() : diskOrphanReason(pvc, byKey, plan);
            if (handle(pvc, PersistentVolumeClaim.class, OrphanKind.disk, why, now, found, gone)) {
                pendingDisks++;
            }
        }
        pending.labelValues(OrphanKind.vm.name()).set(pendingVms);
        pending.labelValues(OrphanKind.disk.name()).set(pendingDisks);
        return new Result(found, gone);
    }

    private Optional<String> vmOrphanReason(
            VirtualMachine vm,
            Map<String, LustreFileSystem> byKey,
            Function<LustreFileSystem, Optional<Topology>> plan) {
        String fsName = label(vm, Labels.FILESYSTEM);
        if (fsName == null) {
            return Optional.empty();
        }
        LustreFileSystem fs = byKey.get(key(vm.getMetadata().getNamespace(), fsName));
        if (fs == null) {
            return Optional.of("its LustreFileSystem " + fsName + " does not exist");
        }
        if (fs.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        return plan.apply(fs)
                .filter(t -> t.server(vm.getMetadata().getName()).isEmpty())
                .map(t -> "LustreFileSystem " + fsName + " plans no server of that name");
    }

    private Optional<String> diskOrphanReason(
            PersistentVolumeClaim pvc,
            Map<String, LustreFileSystem> byKey,
            Function<LustreFileSystem, Optional<Topology>> plan) {
        String fsName = label(pvc, Labels.FILESYSTEM);
        String target = label(pvc, Labels.TARGET);
        if (fsName == null || target == null) {
            return Optional.empty();
        }
        LustreFileSystem fs = byKey.get(key(pvc.getMetadata().getNamespace(), fsName));
        if (fs == null) {
            Map<String, String> ann = pvc.getMetadata().getAnnotations();
            boolean delete = ann != null && "Delete".equals(ann.get(Labels.DISK_DELETION_POLICY));
            return delete
                    ? Optional.of("its LustreFileSystem " + fsName + " does not exist and it was made under"
                            + " diskDeletionPolicy Delete")
                    : Optional.empty();
        }
        if (fs.getMetadata().getDeletionTimestamp() != null || fs.getStatus() == null) {
            return Optional.empty();
        }
        Optional<Topology> t = plan.apply(fs);
        if (t.isEmpty()) {
            return Optional.empty();
        }
        boolean planned = t.get().all().stream()
                .flatMap(s -> s.targets().stream())
                .map(TargetPlan::pvcName)
                .anyMatch(pvc.getMetadata().getName()::equals);
        if (planned) {
            return Optional.empty();
        }
        // Only a retired OST is known to hold nothing: it was drained and deactivated before its index retired.
        String prefix = fs.getSpec().getFsName() + "-OST";
        if (!target.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            int index = Integer.parseInt(target.substring(prefix.length()), 16);
            return fs.getStatus().getRetiredOstIndexes().contains(index)
                    ? Optional.of("OST " + target + " was drained and retired")
                    : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Topology> planOf(LustreFileSystem fs, List<VirtualMachine> vms) {
        if (fs.getSpec() == null
                || !SpecValidator.validate(fs.getMetadata().getName(), fs.getSpec())
                        .isEmpty()) {
            return Optional.empty();
        }
        List<String> names = vms.stream()
                .filter(v ->
                        v.getMetadata().getNamespace().equals(fs.getMetadata().getNamespace())
                                && fs.getMetadata().getName().equals(label(v, Labels.FILESYSTEM)))
                .map(v -> v.getMetadata().getName())
                .toList();
        try {
            return Optional.of(Topology.plan(fs, names));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Marks, keeps or removes one object; true when it is an orphan still within its grace period. */
    private <T extends HasMetadata> boolean handle(
            T obj,
            Class<T> type,
            OrphanKind kind,
            Optional<String> why,
            Instant now,
            List<String> found,
            List<String> gone) {
        String ns = obj.getMetadata().getNamespace();
        String name = obj.getMetadata().getName();
        Map<String, String> ann = obj.getMetadata().getAnnotations();
        String since = ann == null ? null : ann.get(Labels.ORPHANED_SINCE);
        try {
            if (why.isEmpty()) {
                if (since != null) {
                    client.resources(type).inNamespace(ns).withName(name).edit(o -> {
                        o.getMetadata().getAnnotations().remove(Labels.ORPHANED_SINCE);
                        return o;
                    });
                }
                return false;
            }
            if (obj.getMetadata().getDeletionTimestamp() != null) {
                return false;
            }
            Instant first = parse(since);
            if (first == null) {
                client.resources(type).inNamespace(ns).withName(name).edit(o -> {
                    if (o.getMetadata().getAnnotations() == null) {
                        o.getMetadata().setAnnotations(new HashMap<>());
                    }
                    o.getMetadata().getAnnotations().put(Labels.ORPHANED_SINCE, now.toString());
                    return o;
                });
                found.add(kind + " " + ns + "/" + name);
                events.onObject(
                        obj,
                        EventRecorder.WARNING,
                        EventReason.OrphanFound,
                        "owned by nothing: " + why.get() + "; removed after " + grace
                                + " unless something owns it again");
                first = now;
            }
            if (!first.plus(grace).isAfter(now)) {
                client.resources(type).inNamespace(ns).withName(name).delete();
                removed.labelValues(kind.name()).inc();
                gone.add(kind + " " + ns + "/" + name);
                events.onObject(
                        obj,
                        EventRecorder.NORMAL,
                        EventReason.OrphanRemoved,
                        "removed: " + why.get() + " (orphaned since " + first + ")");
                LOG.info("removed orphaned {} {}/{}: {}", kind, ns, name, why.get());
                return false;
            }
            return true;
        } catch (KubernetesClientException e) {
            LOG.warn("orphaned {} {}/{} not handled this pass: {}", kind, ns, name, e.getMessage());
            return true;
        }
    }

    private static List<String> claimsOf(VirtualMachine vm) {
        List<String> claims = new ArrayList<>();
        var spec = vm.getSpec();
        if (spec == null
                || spec.getTemplate() == null
                || spec.getTemplate().getSpec() == null
                || spec.getTemplate().getSpec().getVolumes() == null) {
            return claims;
        }
        for (var v : spec.getTemplate().getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                claims.add(key(
                        vm.getMetadata().getNamespace(),
                        v.getPersistentVolumeClaim().getClaimName()));
            }
            if (v.getDataVolume() != null) {
                claims.add(
                        key(vm.getMetadata().getNamespace(), v.getDataVolume().getName()));
            }
        }
        return claims;
    }

    private <
                    T extends HasMetadata,
                    L extends io.fabric8.kubernetes.api.model.KubernetesResourceList<T>,
                    R extends io.fabric8.kubernetes.client.dsl.Resource<T>>
            io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<T, L, R> scoped(
                    io.fabric8.kubernetes.client.dsl.MixedOperation<T, L, R> op) {
        return namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
    }

    private static String label(HasMetadata o, String key) {
        return o.getMetadata().getLabels() == null
                ? null
                : o.getMetadata().getLabels().get(key);
    }

    private static String key(String ns, String name) {
        return ns + "/" + name;
    }

    private static Instant parse(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
