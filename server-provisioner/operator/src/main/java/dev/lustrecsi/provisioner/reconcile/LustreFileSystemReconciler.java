package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.Nid;
import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.NidSource;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.Quantities;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.model.SpecValidator;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.exec.KnownHosts;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.exec.SshHostKey;
import dev.lustrecsi.provisioner.manifest.ServerCloudInit;
import dev.lustrecsi.provisioner.manifest.ServerContext;
import dev.lustrecsi.provisioner.manifest.ServerManifests;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one LustreFileSystem one pass at a time towards its spec. A pass reads the resource and its VMs,
 * VMIs and PVCs, takes the next safe steps and writes the status. It keeps nothing between passes: every
 * decision is derived from the status and the cluster objects, so a restarted operator continues where the
 * last one stopped, and re-running a pass never duplicates a VM (names are deterministic; creation is
 * create-if-absent).
 *
 * <p>Order of work in a pass: validate → assign static addresses (persisted before any VM uses them) →
 * create missing VMs stage by stage (MGS → MDTs → OSTs; a lost server is re-created at once with the same
 * name, address and disks) → drain OSTs being scaled in, then remove their servers → roll one outdated
 * server (OSS, then MDS, then MGS) → phase and conditions.
 */
public final class LustreFileSystemReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(LustreFileSystemReconciler.class);

    private final KubernetesClient client;
    private final EventRecorder events;
    private final OstDrainer drainer;
    private final StandbyServers standby;
    private final QuotaEnforcement quota;
    private final ServerManifests manifests = new ServerManifests();
    private final String sshAuthorizedKey;
    private final KnownHosts knownHosts;
    private final ActiveMembers activeMembers;

    public LustreFileSystemReconciler(
            KubernetesClient client, ServerCommandExecutor executor, EventRecorder events, String sshAuthorizedKey) {
        this(client, executor, events, sshAuthorizedKey, null);
    }

    /** @param knownHosts where the servers' host keys are pinned for the executor; null when it does not use ssh */
    public LustreFileSystemReconciler(
            KubernetesClient client,
            ServerCommandExecutor executor,
            EventRecorder events,
            String sshAuthorizedKey,
            KnownHosts knownHosts) {
        this.knownHosts = knownHosts;
        this.client = client;
        this.events = events;
        // Commands for a metadata server go to the active VM of its failover pair.
        this.activeMembers = new ActiveMembers(executor);
        this.drainer = new OstDrainer(activeMembers, events);
        this.standby = new StandbyServers(activeMembers, events);
        this.quota = new QuotaEnforcement(activeMembers);
        this.sshAuthorizedKey = sshAuthorizedKey;
    }

    private MixedOperation<LustreFileSystem, ?, Resource<LustreFileSystem>> filesystems() {
        return client.resources(LustreFileSystem.class);
    }

    /** One pass over one resource. Safe to call at any time, any number of times. */
    public void reconcile(String namespace, String name) {
        LustreFileSystem fs =
                filesystems().inNamespace(namespace).withName(name).get();
        if (fs == null) {
            return;
        }
        if (fs.getMetadata().getDeletionTimestamp() != null) {
            new Deletion(fs).run();
            return;
        }
        if (!fs.getMetadata().getFinalizers().contains(Labels.FINALIZER)) {
            fs = filesystems().inNamespace(namespace).withName(name).edit(r -> {
                r.getMetadata().getFinalizers().add(Labels.FINALIZER);
                return r;
            });
        }
        if (fs.getStatus() == null) {
            fs.setStatus(new LustreFileSystemStatus());
        }
        new Pass(fs).run();
    }

    /** Writes the whole status; false when the resource changed meanwhile (the next pass starts over). */
    private boolean writeStatus(LustreFileSystem fs) {
        try {
            LustreFileSystem written = filesystems()
                    .inNamespace(fs.getMetadata().getNamespace())
                    .resource(fs)
                    .updateStatus();
            fs.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debug(
                        "status of {} changed meanwhile; next pass retries",
                        fs.getMetadata().getName());
                return false;
            }
            throw e;
        }
    }

    private final class Pass {
        private final LustreFileSystem fs;
        private final LustreFileSystemSpec spec;
        private final LustreFileSystemStatus status;
        private final String ns;
        private final String before;
        private ObservedCluster observed;
        private Topology topology;
        /** Standby servers whose status entry was made in this pass (written before their VM is created). */
        private final Set<String> newStandbyEntries = new HashSet<>();

        Pass(LustreFileSystem fs) {
            this.fs = fs;
            this.spec = fs.getSpec();
            this.status = fs.getStatus();
            this.ns = fs.getMetadata().getNamespace();
            this.before = Serialization.asJson(status);
        }

        void run() {
            List<String> errors =
                    new ArrayList<>(SpecValidator.validate(fs.getMetadata().getName(), spec));
            if (errors.isEmpty()) {
                errors.addAll(SpecValidator.validateUpdate(spec, status));
            }
            if (!errors.isEmpty()) {
                rejectSpec(errors);
                return;
            }
            StatusConditions.set(
                    status,
                    Conditions.SPEC_VALID,
                    true,
                    Conditions.REASON_VALID,
                    "spec accepted",
                    fs.getMetadata().getGeneration());
            observed = ObservedCluster.read(client, fs);
            topology = Topology.plan(fs, observed.vmNames());
            syncEntries();
            activeMembers.record(ns, topology, status);
            pinHostKeys();
            if (!decideNidSource() || !assignAddresses() || !assignServiceAddresses()) {
                return;
            }
            observeServers();
            ensureServers();
            if (!activatePairs()) {
                return;
            }
            if (status.bootstrappedOnce()) {
                putStandbyIntoService();
            }
            enforceProjectQuota();
            updateTargetStates();
            if (status.bootstrappedOnce()) {
                cancelDrains();
                if (!drain() && retireDrainedServers()) {
                    // Retired OSSs leave the plan.
                    topology = Topology.plan(fs, observed.vmNames());
                }
                upgradeNext();
            }
            summarize();
            if (!Serialization.asJson(status).equals(before)) {
                writeStatus(fs);
            }
        }

        private void rejectSpec(List<String> errors) {
            String message = String.join("; ", errors);
            boolean changed = StatusConditions.set(
                    status,
                    Conditions.SPEC_VALID,
                    false,
                    Conditions.REASON_INVALID_SPEC,
                    message,
                    fs.getMetadata().getGeneration());
            if (!status.bootstrappedOnce()) {
                status.setPhase(Phase.Pending);
            }
            status.setObservedGeneration(fs.getMetadata().getGeneration());
            if (changed) {
                events.warning(fs, EventReason.InvalidSpec, message);
            }
            if (!Serialization.asJson(status).equals(before)) {
                writeStatus(fs);
            }
        }

        /** Status entries for every planned server and target (new ones Pending). */
        private void syncEntries() {
            for (ServerPlan s : topology.all()) {
                ServerStatus st = status.server(s.name()).orElseGet(() -> {
                    ServerStatus n = new ServerStatus(s.name(), s.role());
                    if (topology.isStandby(s)) {
                        n.setStandby(true);
                        newStandbyEntries.add(s.name());
                    }
                    status.getServers().add(n);
                    return n;
                });
                st.setMgs(s.runsMgs());
                if (s.paired()) {
                    st.setPartner(s.partner());
                    if (st.getActive() == null) {
                        // A new pair starts on its first VM; from then on only a failover moves it.
                        st.setActive(!s.secondOfPair());
                    }
                }
                for (TargetPlan t : s.targets()) {
                    if (status.target(t.name()).isEmpty()) {
                        status.getTargets()
                                .add(new TargetStatus(
                                        t.name(), t.kind(), t.index(), s.name(), t.pvcName(), t.sizeBytes()));
                    }
                }
            }
        }

        /**
         * Where this filesystem's NIDs come from, decided once and persisted before any Service or VM exists. A
         * filesystem that already has servers on the pod network keeps its pod addresses: its NIDs are in Lustre's
         * configuration logs and rewriting them needs every client unmounted (lustre/mgs/mgs_llog.c
         * mgs_replace_nids refuses while anything but the MGS is connected), which the operator cannot do.
         */
        private boolean decideNidSource() {
            if (status.getNidSource() != null) {
                return true;
            }
            NidSource source;
            if (spec.getNetwork().usesAttachment()) {
                source = NidSource.Attachment;
            } else if (!observed.vmNames().isEmpty()
                    || status.bootstrappedOnce()
                    || status.getServers().stream().anyMatch(st -> st.getNid() != null)) {
                source = NidSource.PodAddress;
            } else {
                source = NidSource.ServiceAddress;
            }
            status.setNidSource(source);
            return writeStatus(fs);
        }

        /**
         * Pod network: one Service per server, its ClusterIP the server's NID, recorded in the status before any VM
         * is built with it. A Service that went missing is made again asking for the recorded address, so the NID
         * does not change; if the API server cannot give it back, the operator says so and changes nothing.
         */
        private boolean assignServiceAddresses() {
            if (status.getNidSource() != NidSource.ServiceAddress) {
                return true;
            }
            boolean assigned = false;
            for (ServerPlan s : stageOrder()) {
                ServerStatus st = status.server(s.name()).orElseThrow();
                String name = ServerManifests.lnetServiceName(s.name());
                Optional<String> ip = observed.clusterIp(name);
                if (!observed.hasService(name)) {
                    try {
                        var created = client.services()
                                .inNamespace(ns)
                                .resource(manifests.lnetService(fs, s, st.getAddress()))
                                .create();
                        ip = Optional.ofNullable(created.getSpec().getClusterIP())
                                .filter(a -> !a.isBlank());
                    } catch (KubernetesClientException e) {
                        if (e.getCode() == 409) {
                            continue; // made meanwhile; the next pass reads it
                        }
                        if (st.getAddress() == null || e.getCode() != 422) {
                            throw e;
                        }
                        events.warning(
                                fs,
                                EventReason.ServerNidChanged,
                                "Service " + name + " of " + s.name() + " is gone and its address " + st.getAddress()
                                        + " (the server's NID in Lustre's configuration logs) cannot be had back: "
                                        + (e.getStatus() == null
                                                ? e.getMessage()
                                                : e.getStatus().getMessage()));
                        continue;
                    }
                }
                if (ip.isEmpty()) {
                    continue; // not allocated yet
                }
                if (st.getAddress() == null) {
                    st.setAddress(ip.get());
                    st.setNid(ip.get() + "@" + spec.getNetwork().getType().lnetName());
                    assigned = true;
                } else if (!st.getAddress().equals(ip.get())) {
                    events.warning(
                            fs,
                            EventReason.ServerNidChanged,
                            "Service " + name + " has address " + ip.get() + " but " + s.name() + "'s NID is "
                                    + st.getNid() + " (recorded in Lustre's configuration logs); the Service was"
                                    + " replaced by hand? Delete it and the operator makes it again with "
                                    + st.getAddress());
                }
            }
            return !assigned || writeStatus(fs);
        }

        /** Static addresses (attachment mode), persisted before any VM is built with them. */
        private boolean assignAddresses() {
            if (!spec.getNetwork().usesAttachment()) {
                return true;
            }
            Set<String> used = new HashSet<>();
            status.getServers().stream()
                    .map(ServerStatus::getAddress)
                    .filter(Objects::nonNull)
                    .forEach(a -> used.add(ip(a)));
            // Never an address another filesystem holds: dedicated filesystems made from one StorageClass share its
            // address range. One worker reconciles one key at a time, so this read and the write below do not race.
            Set<String> elsewhere = addressesOfOtherFilesystems();
            used.addAll(elsewhere);
            boolean assigned = false;
            for (ServerPlan s : stageOrder()) {
                ServerStatus st = status.server(s.name()).orElseThrow();
                if (st.getAddress() != null) {
                    continue;
                }
                Optional<String> adopted = observed.annotatedAddress(s.name()).filter(a -> !elsewhere.contains(ip(a)));
                Optional<String> free = adopted.isPresent()
                        ? adopted
                        : spec.getNetwork().getAddresses().stream()
                                .filter(a -> !used.contains(ip(a)))
                                .findFirst();
                if (free.isEmpty()) {
                    events.warning(
                            fs,
                            EventReason.AddressPoolExhausted,
                            "no free address in spec.network.addresses for " + s.name());
                    continue;
                }
                st.setAddress(free.get());
                st.setNid(ip(free.get()) + "@" + spec.getNetwork().getType().lnetName());
                used.add(ip(free.get()));
                assigned = true;
            }
            return !assigned || writeStatus(fs);
        }

        private Set<String> addressesOfOtherFilesystems() {
            Set<String> out = new HashSet<>();
            for (LustreFileSystem other : client.resources(LustreFileSystem.class)
                    .inAnyNamespace()
                    .list()
                    .getItems()) {
                if (Objects.equals(
                                other.getMetadata().getUid(), fs.getMetadata().getUid())
                        || other.getStatus() == null
                        || other.getSpec() == null
                        || !other.getSpec().getNetwork().usesAttachment()) {
                    continue;
                }
                other.getStatus().getServers().stream()
                        .map(ServerStatus::getAddress)
                        .filter(Objects::nonNull)
                        .forEach(a -> out.add(ip(a)));
            }
            return out;
        }

        private void observeServers() {
            for (ServerPlan s : topology.all()) {
                ServerStatus st = status.server(s.name()).orElseThrow();
                boolean ready = observed.ready(s.name());
                boolean wasReady = st.readyNow();
                st.setReady(ready);
                if (ready && !wasReady && st.onStandby()) {
                    // It just (re)mounted its OSTs: they must refuse objects, whatever happened to the hold.
                    standby.verifyHold(fs, topology, s);
                }
                if (ready) {
                    if (!st.wasEverReady()) {
                        events.normal(
                                fs,
                                EventReason.ServerReady,
                                s.name() + " is ready (" + describeTargets(s) + ")"
                                        + (st.onStandby()
                                                ? " on standby: taking no new objects until spec.ostCount needs it"
                                                : ""));
                    }
                    st.setEverReady(true);
                    st.setLustreVersion(observed.runningVersion(s.name()).orElse(null));
                } else if (st.passivePairMember() && observed.running(s.name())) {
                    // Never ready while passive (its readiness means "serving"): running is what it can be.
                    st.setLustreVersion(observed.runningVersion(s.name()).orElse(null));
                }
                if (status.getNidSource() == NidSource.PodAddress) {
                    observed.podAddress(s.name()).ifPresent(ip -> {
                        String nid = ip + "@" + spec.getNetwork().getType().lnetName();
                        if (st.getNid() != null && !st.getNid().equals(nid) && !s.runsMgs()) {
                            // The MGS's configuration logs still name the old NID for these targets, and Lustre
                            // rewrites them only with every client and target stopped (mgs_replace_nids refuses
                            // while anything but the MGS is connected): say so, the operator cannot do it.
                            events.warning(
                                    fs,
                                    EventReason.ServerNidChanged,
                                    s.name() + " moved from " + st.getNid() + " to " + nid + "; clients find "
                                            + describeTargets(s) + " at the NID in the configuration logs until an"
                                            + " administrator stops the filesystem and runs lctl replace_nids on the"
                                            + " MGS. This filesystem predates Service addresses (status.nidSource"
                                            + " PodAddress); filesystems created now keep their NIDs across restarts");
                        }
                        st.setAddress(ip);
                        st.setNid(nid);
                    });
                }
            }
            String mgsNid = status.server(topology.mgsServer().name())
                    .map(ServerStatus::getNid)
                    .orElse(null);
            List<String> mgsNids = mgsNid == null ? new ArrayList<>() : new ArrayList<>(List.of(mgsNid));
            Optional<ServerPlan> mgsPartner = topology.partnerOf(topology.mgsServer());
            if (mgsPartner.isPresent()) {
                // Clients, targets and the CSI driver get both NIDs of the MGS pair (mount source a:b:/fs), so a
                // failover needs nothing from them; only once both are known (the targets are formatted with both).
                String second = status.server(mgsPartner.get().name())
                        .map(ServerStatus::getNid)
                        .orElse(null);
                mgsNids =
                        mgsNid == null || second == null ? new ArrayList<>() : new ArrayList<>(List.of(mgsNid, second));
            }
            String previous =
                    status.getMgsNids().isEmpty() ? null : status.getMgsNids().get(0);
            if (previous != null && mgsNid != null && !previous.equals(mgsNid)) {
                // Only on the pod network: targets were formatted with --mgsnode=<previous> and keep asking there.
                events.warning(
                        fs,
                        EventReason.MgsNidChanged,
                        "the MGS moved from " + previous + " to " + mgsNid
                                + "; targets formatted against the old NID need tunefs.lustre --mgsnode. This filesystem"
                                + " predates Service addresses (status.nidSource PodAddress); filesystems created now keep"
                                + " their NIDs across restarts");
            }
            status.setMgsNids(mgsNids);
            status.setMgsNidsText(mgsNids.isEmpty() ? null : String.join(",", mgsNids));
        }

        private Optional<MgsNids> mgsNids() {
            if (status.getMgsNids().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(MgsNids.ofFailoverNodes(
                    status.getMgsNids().stream().map(Nid::parse).toList()));
        }

        private List<ServerPlan> stageOrder() {
            return topology.all().stream()
                    .sorted(Comparator.comparingInt(ServerPlan::stage))
                    .toList();
        }

        /** A server whose readiness counts: every one but the passive VM of a failover pair. */
        private boolean counted(ServerPlan s) {
            return !status.server(s.name()).map(ServerStatus::passivePairMember).orElse(false);
        }

        /** The status of the VM that serves a server's targets: the active one of a pair, else the server's own. */
        private ServerStatus serving(ServerPlan s) {
            ServerStatus st = status.server(s.name()).orElseThrow();
            if (st.passivePairMember() && st.getPartner() != null) {
                return status.server(st.getPartner()).orElse(st);
            }
            return st;
        }

        private boolean earlierStagesReady(int stage) {
            return topology.all().stream()
                    .filter(s -> s.stage() < stage && !topology.isDraining(s) && counted(s))
                    .allMatch(s ->
                            status.server(s.name()).map(ServerStatus::readyNow).orElse(false));
        }

        private boolean allDrained(ServerPlan s) {
            return s.targets().stream()
                    .allMatch(t -> status.target(t.name())
                            .map(ts -> ts.getState() == TargetState.Drained)
                            .orElse(false));
        }

        private Optional<ServerContext> context(ServerPlan s) {
            ServerStatus st = status.server(s.name()).orElseThrow();
            boolean serviceAddress = status.getNidSource() == NidSource.ServiceAddress;
            if ((spec.getNetwork().usesAttachment() || serviceAddress) && st.getAddress() == null) {
                return Optional.empty();
            }
            MgsNids mgs = null;
            if (!s.runsMgs()) {
                Optional<MgsNids> nids = mgsNids();
                if (nids.isEmpty()) {
                    return Optional.empty();
                }
                mgs = nids.get();
            }
            String address = spec.getNetwork().usesAttachment() ? st.getAddress() : null;
            List<List<Nid>> serviceNodes = null;
            if (s.paired()) {
                // Both NIDs go into the targets' format lines: wait until both VMs have one.
                String first = s.secondOfPair() ? s.partner() : s.name();
                String second = s.secondOfPair() ? s.name() : s.partner();
                Optional<String> a = status.server(first).map(ServerStatus::getNid);
                Optional<String> b = status.server(second).map(ServerStatus::getNid);
                if (a.isEmpty() || b.isEmpty()) {
                    return Optional.empty();
                }
                serviceNodes = List.of(List.of(Nid.parse(a.get())), List.of(Nid.parse(b.get())));
            }
            return Optional.of(new ServerContext(
                    fs,
                    s,
                    address,
                    mgs,
                    sshAuthorizedKey,
                    st.onStandby(),
                    serviceAddress ? st.getAddress() : null,
                    serviceNodes));
        }

        private void ensureServers() {
            for (ServerPlan s : stageOrder()) {
                if (observed.vm(s.name()).isPresent() || allDrained(s)) {
                    continue;
                }
                ServerStatus st = status.server(s.name()).orElseThrow();
                boolean lost = st.wasEverReady();
                if (!lost && (topology.isDraining(s) || !earlierStagesReady(s.stage()))) {
                    continue;
                }
                Optional<ServerContext> ctx = context(s);
                if (ctx.isEmpty()) {
                    continue;
                }
                if (st.onStandby()) {
                    // Its status entry must be durable before the VM exists, or a restarted operator would take
                    // the VM for an active OSS; and the MGS must hold object creation before the OSTs register.
                    if (newStandbyEntries.remove(s.name()) && !writeStatus(fs)) {
                        return;
                    }
                    if (!standby.holdObjectCreation(fs, topology, s)) {
                        continue;
                    }
                }
                if (!ensureHostKey(s, st)) {
                    return;
                }
                for (TargetPlan t : s.targets()) {
                    if (!observed.hasPvc(t.pvcName())) {
                        createIfAbsent(manifests.persistentVolumeClaim(fs, s, t));
                        events.normal(fs, EventReason.DiskCreated, "PVC " + t.pvcName() + " for " + t.name());
                    }
                }
                createIfAbsent(manifests.virtualMachine(ctx.get()));
                if (st.onStandby() && !lost) {
                    events.normal(
                            fs,
                            EventReason.StandbyServerCreated,
                            s.name() + " (" + describeTargets(s) + ") on standby");
                } else if (lost) {
                    events.warning(
                            fs,
                            EventReason.ServerRecreated,
                            s.name() + " was lost; re-created with the same name, "
                                    + (st.getNid() == null ? "" : "NID " + st.getNid() + ", ") + "and disks");
                } else {
                    events.normal(fs, EventReason.ServerCreated, s.name() + " (" + describeTargets(s) + ")");
                }
            }
        }

        /**
         * Failover pairs: the VM the status names active is told so after every boot (until it is ready: its boot
         * script mounts only then). When the active VM is confirmed gone - its node fenced (NodeFencer's guards: a
         * dead node, never a partition) or its VMI no longer running, so its qemu is gone - and the passive VM runs
         * on a healthy node, the status is flipped first and then the other VM is activated: it mounts the targets
         * (MMP would refuse if the old one still wrote) and Lustre recovery lets the clients reconnect, to the NID
         * they already know from the mount source. False when the status could not be written (next pass).
         */
        private boolean activatePairs() {
            for (ServerPlan first : topology.metadataServers()) {
                Optional<ServerPlan> second = topology.partnerOf(first);
                if (second.isEmpty()) {
                    continue;
                }
                ServerStatus a = status.server(first.name()).orElseThrow();
                ServerStatus b = status.server(second.get().name()).orElseThrow();
                ServerStatus active = Boolean.TRUE.equals(b.getActive()) ? b : a;
                ServerStatus passive = active == a ? b : a;
                if (active.readyNow()) {
                    continue;
                }
                boolean formatted = a.wasEverReady() || b.wasEverReady();
                Optional<String> gone = observed.goneBecause(active.getName(), client);
                if (formatted && gone.isPresent() && observed.runsOnHealthyNode(passive.getName(), client)) {
                    active.setActive(false);
                    passive.setActive(true);
                    if (!writeStatus(fs)) {
                        return false;
                    }
                    activeMembers.record(ns, topology, status);
                    events.warning(
                            fs,
                            EventReason.FailedOver,
                            active.getName() + " " + gone.get() + "; " + passive.getName() + " takes over "
                                    + describeTargets(first));
                    active = passive;
                }
                if (observed.running(active.getName())) {
                    var result = activeMembers
                            .direct()
                            .exec(ns, active.getName(), ServerCloudInit.activation(), ACTIVATION_TIMEOUT);
                    if (!result.succeeded()) {
                        LOG.debug("activating {} failed (not booted yet?): {}", active.getName(), result);
                    }
                }
            }
            return true;
        }

        private void pinHostKeys() {
            if (knownHosts == null) {
                return;
            }
            status.getServers().stream()
                    .filter(st -> st.getSshHostKey() != null)
                    .forEach(st -> knownHosts.pin(ns, st.getName(), st.getSshHostKey()));
        }

        /**
         * The server's SSH host key, made once: private half into its Secret (created, or overwritten when an
         * earlier pass wrote it but not the status), public half into the status, both before the VM exists.
         */
        private boolean ensureHostKey(ServerPlan s, ServerStatus st) {
            if (sshAuthorizedKey == null || st.getSshHostKey() != null) {
                return true;
            }
            SshHostKey key = SshHostKey.generate(s.name());
            var secret = manifests.hostKeySecret(fs, s, key.privateKey(), key.publicKey());
            try {
                client.secrets().inNamespace(ns).resource(secret).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Left by a pass that stopped before writing the status: its key was never pinned; replace it.
                client.secrets()
                        .inNamespace(ns)
                        .withName(secret.getMetadata().getName())
                        .patch(
                                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                                Serialization.asJson(java.util.Map.of("stringData", secret.getStringData())));
            }
            st.setSshHostKey(key.publicKey());
            if (!writeStatus(fs)) {
                return false;
            }
            pinHostKeys();
            return true;
        }

        private void createIfAbsent(Object resource) {
            try {
                if (resource instanceof VirtualMachine vm) {
                    client.resources(VirtualMachine.class)
                            .inNamespace(ns)
                            .resource(vm)
                            .create();
                } else if (resource instanceof PersistentVolumeClaim pvc) {
                    client.persistentVolumeClaims()
                            .inNamespace(ns)
                            .resource(pvc)
                            .create();
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }

        private void updateTargetStates() {
            for (TargetStatus ts : status.getTargets()) {
                if (ts.getState() == TargetState.Draining || ts.getState() == TargetState.Drained) {
                    continue;
                }
                ServerStatus st = status.server(ts.getServer()).orElse(null);
                if (st == null) {
                    continue;
                }
                if (st.passivePairMember() && st.getPartner() != null) {
                    // A pair's targets are served by its active VM.
                    st = status.server(st.getPartner()).orElse(st);
                }
                ts.setState(
                        st.readyNow()
                                ? (st.onStandby() ? TargetState.Standby : TargetState.Ready)
                                : st.wasEverReady() ? TargetState.Unavailable : TargetState.Pending);
            }
            if (!status.bootstrappedOnce()) {
                // Standby servers are spares: the filesystem is up without them.
                boolean allReady = topology.all().stream()
                                .filter(s -> !topology.isStandby(s) && counted(s))
                                .allMatch(s ->
                                        status.server(s.name()).orElseThrow().readyNow())
                        && projectQuotaEnforced();
                if (allReady) {
                    status.setBootstrapped(true);
                    events.normal(
                            fs,
                            EventReason.Bootstrapped,
                            "MGS, " + topology.mdsServers().size() + " MDT(s) and "
                                    + topology.ossServers().stream()
                                            .mapToInt(s -> s.targets().size())
                                            .sum() + " OST(s) are ready");
                }
            }
        }

        private boolean projectQuotaEnforced() {
            return status.condition(Conditions.PROJECT_QUOTA_ENFORCED)
                    .map(c -> "True".equals(c.getStatus()))
                    .orElse(false);
        }

        /**
         * Project-quota enforcement recorded on the MGS once the MGS and every MDT are up (MDT0 registered the
         * filesystem), before the filesystem counts as bootstrapped: no volume is ever created unenforced.
         */
        private void enforceProjectQuota() {
            if (projectQuotaEnforced()) {
                return;
            }
            boolean metadataReady = serving(topology.mgsServer()).readyNow()
                    && topology.mdsServers().stream().allMatch(s -> serving(s).readyNow());
            if (!metadataReady) {
                return;
            }
            Optional<String> failure = quota.enforceProjectQuota(fs, topology);
            Long generation = fs.getMetadata().getGeneration();
            if (failure.isEmpty()) {
                StatusConditions.set(
                        status,
                        Conditions.PROJECT_QUOTA_ENFORCED,
                        true,
                        Conditions.REASON_ENFORCED,
                        topology.fsName() + ".quota.ost=p and .quota.mdt=p recorded on the MGS",
                        generation);
                events.normal(
                        fs,
                        EventReason.ProjectQuotaEnforced,
                        "project quota limits are enforced on " + topology.fsName());
            } else if (StatusConditions.set(
                    status,
                    Conditions.PROJECT_QUOTA_ENFORCED,
                    false,
                    Conditions.REASON_MGS_REFUSED,
                    failure.get(),
                    generation)) {
                events.warning(
                        fs,
                        EventReason.ProjectQuotaNotEnforced,
                        "the MGS did not record quota enforcement: " + failure.get());
            }
        }

        /**
         * Standby servers the plan now counts as active (spec.ostCount went up): object creation allowed on every
         * MDT, then the standby mark cleared. A failed step leaves the mark, so the next pass repeats it.
         */
        private void putStandbyIntoService() {
            for (ServerPlan s : topology.ossServers()) {
                ServerStatus st = status.server(s.name()).orElseThrow();
                if (!st.onStandby() || topology.isStandby(s) || topology.isDraining(s)) {
                    continue;
                }
                if (!st.readyNow()) {
                    continue; // its OSTs hold themselves (no_precreate) until the OSS is up to release them
                }
                if (standby.putIntoService(fs, topology, s, true)) {
                    st.setStandby(null);
                    // The next boot mounts without the hold; the running VMI keeps going (no restart).
                    context(s)
                            .ifPresent(ctx -> client.resources(VirtualMachine.class)
                                    .inNamespace(ns)
                                    .withName(s.name())
                                    .edit(vm -> {
                                        vm.setSpec(manifests.virtualMachine(ctx).getSpec());
                                        return vm;
                                    }));
                }
            }
        }

        private boolean othersReady() {
            return topology.all().stream()
                    .filter(s -> !topology.isDraining(s) && !topology.isStandby(s) && counted(s))
                    .allMatch(s -> status.server(s.name()).orElseThrow().readyNow());
        }

        /** OSTs left Draining on an OSS the plan keeps (ostCount went up again): back into service. */
        private void cancelDrains() {
            for (ServerPlan s : topology.ossServers()) {
                if (topology.isDraining(s)
                        || !status.server(s.name()).orElseThrow().readyNow()) {
                    continue;
                }
                for (TargetPlan t : s.targets()) {
                    TargetStatus ts = status.target(t.name()).orElseThrow();
                    if (ts.getState() == TargetState.Draining) {
                        drainer.cancel(fs, topology, ts);
                    }
                }
            }
        }

        /** One drain step on the first OSS being drained; true if a step ran or is pending. */
        private boolean drain() {
            List<ServerPlan> draining = topology.drainingServers();
            if (draining.isEmpty() || !othersReady()) {
                return false;
            }
            Optional<MgsNids> mgs = mgsNids();
            for (ServerPlan s : draining) {
                if (allDrained(s)) {
                    continue;
                }
                if (!status.server(s.name()).orElseThrow().readyNow() || mgs.isEmpty()) {
                    return true;
                }
                for (TargetPlan t : s.targets()) {
                    TargetStatus ts = status.target(t.name()).orElseThrow();
                    if (ts.getState() != TargetState.Drained) {
                        drainer.step(fs, topology, mgs.get(), ts);
                        return true;
                    }
                }
            }
            return false;
        }

        /** Removes OSS VMs whose OSTs are all drained, then their now-empty disks; retires the indexes. */
        private boolean retireDrainedServers() {
            boolean retired = false;
            for (ServerPlan s : topology.drainingServers()) {
                if (!allDrained(s)) {
                    continue;
                }
                // Status first: once the indexes are retired, no later pass would re-create this server.
                for (TargetPlan t : s.targets()) {
                    if (!status.getRetiredOstIndexes().contains(t.index())) {
                        status.getRetiredOstIndexes().add(t.index());
                    }
                }
                if (!writeStatus(fs)) {
                    return retired;
                }
                client.resources(VirtualMachine.class)
                        .inNamespace(ns)
                        .withName(s.name())
                        .delete();
                for (TargetPlan t : s.targets()) {
                    client.persistentVolumeClaims()
                            .inNamespace(ns)
                            .withName(t.pvcName())
                            .delete();
                }
                client.services()
                        .inNamespace(ns)
                        .withName(ServerManifests.lnetServiceName(s.name()))
                        .delete();
                status.getServers().removeIf(x -> x.getName().equals(s.name()));
                s.targets()
                        .forEach(t ->
                                status.getTargets().removeIf(x -> x.getName().equals(t.name())));
                events.normal(
                        fs, EventReason.ServerRemoved, s.name() + " removed after draining " + describeTargets(s));
                retired = true;
            }
            return retired;
        }

        private boolean upToDate(ServerPlan s) {
            ServerStatus st = status.server(s.name()).orElseThrow();
            if (st.passivePairMember()) {
                return spec.getLustreVersion()
                                .equals(observed.templateVersion(s.name()).orElse(null))
                        && spec.getImage()
                                .equals(observed.templateImage(s.name()).orElse(null))
                        && observed.running(s.name())
                        && spec.getLustreVersion()
                                .equals(observed.runningVersion(s.name()).orElse(null));
            }
            return spec.getLustreVersion()
                            .equals(observed.templateVersion(s.name()).orElse(null))
                    && spec.getImage().equals(observed.templateImage(s.name()).orElse(null))
                    && spec.getLustreVersion().equals(st.getLustreVersion())
                    && st.readyNow();
        }

        /**
         * Rolling upgrade order: OSSs, then MDSs without the MGS, then the server running the MGS. Of a failover pair
         * the passive VM first; restarting the active one then fails the pair over to the upgraded VM.
         */
        private List<ServerPlan> upgradeOrder() {
            List<ServerPlan> order = new ArrayList<>(topology.ossServers());
            List<ServerPlan> mds = new ArrayList<>(
                    topology.mdsServers().stream().filter(s -> !s.runsMgs()).toList());
            mds.sort(Comparator.comparingInt(ServerPlan::ordinal).reversed());
            mds.add(topology.mgsServer());
            for (ServerPlan s : mds) {
                Optional<ServerPlan> partner = topology.partnerOf(s);
                if (partner.isEmpty()) {
                    order.add(s);
                } else if (status.server(s.name()).orElseThrow().passivePairMember()) {
                    order.add(s);
                    order.add(partner.get());
                } else {
                    order.add(partner.get());
                    order.add(s);
                }
            }
            return order;
        }

        private void upgradeNext() {
            if (!topology.drainingServers().isEmpty()) {
                return;
            }
            for (ServerPlan s : upgradeOrder()) {
                if (upToDate(s)) {
                    continue;
                }
                if (topology.isStandby(s)
                        && !status.server(s.name()).orElseThrow().readyNow()) {
                    continue; // a standby still booting boots the current template; others need not wait for it
                }
                if (!othersReady() || !observed.vm(s.name()).isPresent()) {
                    return; // one server at a time: wait until the one in flight is back
                }
                if (s.paired()
                        && !status.server(s.name()).orElseThrow().passivePairMember()
                        && !topology.partnerOf(s)
                                .map(p -> upToDate(p) && observed.running(p.name()))
                                .orElse(false)) {
                    return; // the active VM of a pair goes only once its partner runs the new version to take over
                }
                boolean templateCurrent = spec.getLustreVersion()
                                .equals(observed.templateVersion(s.name()).orElse(null))
                        && spec.getImage()
                                .equals(observed.templateImage(s.name()).orElse(null));
                if (templateCurrent
                        && status.server(s.name()).orElseThrow().passivePairMember()
                        && !observed.running(s.name())) {
                    return; // a passive VM restarted for the upgrade is still booting (it never turns ready)
                }
                if (!templateCurrent) {
                    Optional<ServerContext> ctx = context(s);
                    if (ctx.isEmpty()) {
                        return;
                    }
                    VirtualMachine desired = manifests.virtualMachine(ctx.get());
                    client.resources(VirtualMachine.class)
                            .inNamespace(ns)
                            .withName(s.name())
                            .edit(vm -> {
                                vm.setSpec(desired.getSpec());
                                return vm;
                            });
                }
                // KubeVirt starts a new VMI from the updated template when the running one goes (runStrategy Always).
                client.resources(VirtualMachineInstance.class)
                        .inNamespace(ns)
                        .withName(s.name())
                        .delete();
                events.normal(
                        fs,
                        EventReason.UpgradingServer,
                        s.name() + " restarting with Lustre " + spec.getLustreVersion() + " (" + spec.getImage() + ")");
                return;
            }
        }

        private void summarize() {
            Long generation = fs.getMetadata().getGeneration();
            status.setObservedGeneration(generation);
            List<String> lost = new ArrayList<>();
            boolean scaling = !topology.drainingServers().isEmpty();
            boolean upgrading = false;
            for (ServerPlan s : topology.all()) {
                ServerStatus st = status.server(s.name()).orElseThrow();
                if (st.passivePairMember()) {
                    continue; // its partner serves the targets; a passive VM that is down is re-created
                }
                boolean inUpgrade = spec.getLustreVersion()
                                .equals(observed.templateVersion(s.name()).orElse(null))
                        && !spec.getLustreVersion().equals(st.getLustreVersion())
                        && st.wasEverReady();
                if (!spec.getLustreVersion().equals(st.getLustreVersion()) && st.wasEverReady()) {
                    upgrading = true;
                }
                if (st.readyNow() || st.onStandby()) {
                    // A standby server that is down is re-created; the filesystem does not depend on it.
                    continue;
                }
                if (st.wasEverReady() && !inUpgrade) {
                    lost.add(s.name());
                } else if (!st.wasEverReady()) {
                    scaling = true;
                }
            }
            Phase phase;
            if (!status.bootstrappedOnce()) {
                phase = observed.vmNames().isEmpty() ? Phase.Pending : Phase.Provisioning;
            } else if (!lost.isEmpty()) {
                phase = Phase.Degraded;
            } else if (scaling) {
                phase = Phase.Scaling;
            } else if (upgrading) {
                phase = Phase.Upgrading;
            } else {
                phase = Phase.Ready;
            }
            if (phase != status.getPhase()) {
                events.normal(
                        fs,
                        EventReason.enteredPhase(phase),
                        "phase " + status.getPhase() + " -> " + phase
                                + (lost.isEmpty() ? "" : " (not ready: " + String.join(", ", lost) + ")"));
                status.setPhase(phase);
            }
            StatusConditions.set(
                    status,
                    Conditions.DEGRADED,
                    !lost.isEmpty(),
                    lost.isEmpty() ? Conditions.REASON_ALL_SERVERS_READY : Conditions.REASON_SERVER_LOST,
                    lost.isEmpty() ? "every server that was ready is ready" : "not ready: " + String.join(", ", lost),
                    generation);
            Set<String> standbyServers = new HashSet<>();
            status.getServers().stream().filter(ServerStatus::onStandby).forEach(s -> standbyServers.add(s.getName()));
            boolean allTargetsReady = status.getTargets().stream()
                    .allMatch(t -> t.getState() == TargetState.Ready
                            || t.getState() == TargetState.Drained
                            || t.getState() == TargetState.Draining
                            || standbyServers.contains(t.getServer()));
            StatusConditions.set(
                    status,
                    Conditions.READY,
                    phase == Phase.Ready,
                    allTargetsReady ? Conditions.REASON_ALL_TARGETS_READY : Conditions.REASON_TARGETS_NOT_READY,
                    "phase " + phase,
                    generation);

            long capacity = 0;
            int ready = 0;
            int active = 0;
            int standbyOsts = 0;
            for (TargetStatus t : status.getTargets()) {
                if (t.getKind() != TargetKind.OST) {
                    continue;
                }
                if (t.getState() == TargetState.Standby) {
                    standbyOsts++;
                } else if (t.getState() != TargetState.Draining
                        && t.getState() != TargetState.Drained
                        && !standbyServers.contains(t.getServer())) {
                    active++;
                }
                if (t.getState() == TargetState.Ready) {
                    ready++;
                    capacity += t.getSizeBytes() == null ? 0 : t.getSizeBytes();
                }
            }
            status.setCapacityBytes(capacity);
            status.setCapacity(Quantities.format(capacity).toString());
            status.setReadyOsts(ready);
            status.setActiveOsts(active);
            boolean standbyConfigured = spec.getStandby() != null || !standbyServers.isEmpty();
            status.setStandbyOsts(standbyConfigured ? standbyOsts : null);
            status.setStandbyServers(
                    standbyConfigured
                            ? (int) status.getServers().stream()
                                    .filter(s -> s.onStandby() && s.readyNow())
                                    .count()
                            : null);
            Set<String> versions = new HashSet<>();
            status.getServers().forEach(s -> versions.add(String.valueOf(s.getLustreVersion())));
            status.setLustreVersion(
                    versions.size() == 1 && !versions.contains("null")
                            ? versions.iterator().next()
                            : null);
            status.getTargets()
                    .sort(Comparator.comparing((TargetStatus t) -> t.getKind()).thenComparing(TargetStatus::getIndex));
            status.getServers()
                    .sort(Comparator.comparing((ServerStatus s) -> s.getRole()).thenComparing(ServerStatus::getName));
        }
    }

    private static final java.time.Duration ACTIVATION_TIMEOUT = java.time.Duration.ofSeconds(30);

    private static String describeTargets(ServerPlan s) {
        List<String> names = new ArrayList<>();
        if (s.runsMgs() && s.role() != ServerRole.MGS) {
            names.add("MGS");
        }
        s.targets().forEach(t -> names.add(t.name()));
        return String.join(", ", names);
    }

    private static String ip(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    /** Removes the servers (and, with diskDeletionPolicy Delete, the disks), then lets the resource go. */
    private final class Deletion {
        private final LustreFileSystem fs;

        Deletion(LustreFileSystem fs) {
            this.fs = fs;
        }

        void run() {
            String ns = fs.getMetadata().getNamespace();
            String name = fs.getMetadata().getName();
            if (fs.getStatus() == null) {
                fs.setStatus(new LustreFileSystemStatus());
            }
            if (fs.getStatus().getPhase() != Phase.Deleting) {
                fs.getStatus().setPhase(Phase.Deleting);
                events.normal(fs, EventReason.Deleting, "removing servers; disks: " + policy());
                writeStatus(fs);
            }
            List<VirtualMachine> vms = client.resources(VirtualMachine.class)
                    .inNamespace(ns)
                    .withLabel(Labels.FILESYSTEM, name)
                    .list()
                    .getItems();
            for (VirtualMachine vm : vms) {
                if (vm.getMetadata().getDeletionTimestamp() == null) {
                    client.resources(VirtualMachine.class)
                            .inNamespace(ns)
                            .withName(vm.getMetadata().getName())
                            .delete();
                    events.normal(
                            fs, EventReason.ServerDeleted, vm.getMetadata().getName());
                }
            }
            if (!client.resources(VirtualMachine.class)
                    .inNamespace(ns)
                    .withLabel(Labels.FILESYSTEM, name)
                    .list()
                    .getItems()
                    .isEmpty()) {
                return; // wait for KubeVirt to stop them before letting go of the disks
            }
            List<PersistentVolumeClaim> pvcs = client.persistentVolumeClaims()
                    .inNamespace(ns)
                    .withLabel(Labels.FILESYSTEM, name)
                    .list()
                    .getItems();
            if (policy() == DiskDeletionPolicy.Delete) {
                for (PersistentVolumeClaim pvc : pvcs) {
                    client.persistentVolumeClaims()
                            .inNamespace(ns)
                            .withName(pvc.getMetadata().getName())
                            .delete();
                }
                events.normal(fs, EventReason.DisksDeleted, pvcs.size() + " target PVC(s) deleted");
            } else if (!pvcs.isEmpty()) {
                events.normal(
                        fs,
                        EventReason.DisksRetained,
                        pvcs.size() + " target PVC(s) kept: "
                                + String.join(
                                        ", ",
                                        pvcs.stream()
                                                .map(p -> p.getMetadata().getName())
                                                .toList()));
            }
            filesystems().inNamespace(ns).withName(name).edit(r -> {
                r.getMetadata().getFinalizers().remove(Labels.FINALIZER);
                return r;
            });
        }

        private DiskDeletionPolicy policy() {
            DiskDeletionPolicy p = fs.getSpec() == null ? null : fs.getSpec().getDiskDeletionPolicy();
            return p == null ? DiskDeletionPolicy.Retain : p;
        }
    }
}
