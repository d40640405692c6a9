package dev.lustrecsi.provisioner.manifest;

import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.NetworkType;
import dev.lustrecsi.model.Quantities;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineSpec;
import io.kubevirt.v1.virtualmachinespec.Template;
import io.kubevirt.v1.virtualmachinespec.template.Metadata;
import io.kubevirt.v1.virtualmachinespec.template.Spec;
import io.kubevirt.v1.virtualmachinespec.template.spec.Affinity;
import io.kubevirt.v1.virtualmachinespec.template.spec.Domain;
import io.kubevirt.v1.virtualmachinespec.template.spec.Networks;
import io.kubevirt.v1.virtualmachinespec.template.spec.ReadinessProbe;
import io.kubevirt.v1.virtualmachinespec.template.spec.Volumes;
import io.kubevirt.v1.virtualmachinespec.template.spec.affinity.PodAntiAffinity;
import io.kubevirt.v1.virtualmachinespec.template.spec.affinity.podantiaffinity.RequiredDuringSchedulingIgnoredDuringExecution;
import io.kubevirt.v1.virtualmachinespec.template.spec.affinity.podantiaffinity.requiredduringschedulingignoredduringexecution.LabelSelector;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.Cpu;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.Devices;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.Memory;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.Resources;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.Disks;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.Interfaces;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.disks.Disk;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.interfaces.Bridge;
import io.kubevirt.v1.virtualmachinespec.template.spec.domain.devices.interfaces.Sriov;
import io.kubevirt.v1.virtualmachinespec.template.spec.networks.Multus;
import io.kubevirt.v1.virtualmachinespec.template.spec.networks.Pod;
import io.kubevirt.v1.virtualmachinespec.template.spec.readinessprobe.Exec;
import io.kubevirt.v1.virtualmachinespec.template.spec.volumes.CloudInitNoCloud;
import io.kubevirt.v1.virtualmachinespec.template.spec.volumes.ContainerDisk;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place KubeVirt objects are built: a {@code VirtualMachine} per Lustre server and a block-mode PVC
 * per target. Everything is derived from the {@link ServerContext}, so building twice gives the same objects
 * (a lost VM is re-created identical: same name, disks, MAC addresses and static address).
 */
public final class ServerManifests {

    public static final String POD_NETWORK = "default";
    public static final String LNET_NETWORK = "lnet";
    public static final String ROOT_DISK = "rootdisk";
    public static final String CLOUD_INIT_DISK = "cloudinitdisk";
    /**
     * The disk carrying the server's SSH host key (a KubeVirt secret volume, an ISO labelled {@link #HOST_KEY_LABEL}).
     */
    public static final String HOST_KEY_DISK = "hostkey";

    public static final String HOST_KEY_LABEL = "HOSTKEY";
    public static final String HOST_KEY_FILE = "ssh_host_ed25519_key";

    private final ServerCloudInit cloudInit = new ServerCloudInit();

    public ServerCloudInit cloudInit() {
        return cloudInit;
    }

    public VirtualMachine virtualMachine(ServerContext ctx) {
        LustreFileSystem fs = ctx.filesystem();
        LustreFileSystemSpec spec = fs.getSpec();
        ServerPlan server = ctx.server();
        String ns = fs.getMetadata().getNamespace();

        Map<String, String> labels = serverLabels(fs, server);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(
                Labels.TARGETS, server.targets().stream().map(TargetPlan::name).collect(Collectors.joining(",")));
        if (ctx.staticAddress() != null) {
            annotations.put(Labels.ADDRESS, ctx.staticAddress());
        }

        VirtualMachine vm = new VirtualMachine();
        vm.setMetadata(new ObjectMetaBuilder()
                .withName(server.name())
                .withNamespace(ns)
                .withLabels(labels)
                .withAnnotations(annotations)
                .withOwnerReferences(ownerReference(fs))
                .build());

        Metadata templateMeta = new Metadata();
        templateMeta.setLabels(new LinkedHashMap<>(labels));
        templateMeta.setAnnotations(new LinkedHashMap<>(Map.of(Labels.LUSTRE_VERSION, spec.getLustreVersion())));

        Spec vmi = new Spec();
        vmi.setHostname(server.name());
        vmi.setDomain(domain(ctx));
        vmi.setNetworks(networks(spec));
        vmi.setVolumes(volumes(ctx));
        if (server.paired()) {
            vmi.setAffinity(apartFromPartner(server));
        }
        // Ready = this server's targets mounted and out of recovery, checked in the guest through the guest agent.
        ReadinessProbe probe = new ReadinessProbe();
        Exec exec = new Exec();
        exec.setCommand(List.of(ServerCloudInit.READY_PATH));
        probe.setExec(exec);
        probe.setInitialDelaySeconds(30);
        probe.setPeriodSeconds(15);
        probe.setTimeoutSeconds(10);
        probe.setFailureThreshold(3);
        vmi.setReadinessProbe(probe);
        // Time for Lustre to unmount targets cleanly on shutdown.
        vmi.setTerminationGracePeriodSeconds(300L);

        Template template = new Template();
        template.setMetadata(templateMeta);
        template.setSpec(vmi);
        VirtualMachineSpec vmSpec = new VirtualMachineSpec();
        vmSpec.setRunStrategy("Always");
        vmSpec.setTemplate(template);
        vm.setSpec(vmSpec);
        return vm;
    }

    /**
     * The PVC of one target. With {@code diskDeletionPolicy: Delete} it is owned by the LustreFileSystem
     * (garbage-collected with it); with {@code Retain} it has no owner and outlives it.
     */
    public PersistentVolumeClaim persistentVolumeClaim(LustreFileSystem fs, ServerPlan server, TargetPlan target) {
        LustreFileSystemSpec spec = fs.getSpec();
        Map<String, String> labels = serverLabels(fs, server);
        labels.put(Labels.TARGET, target.name());
        ObjectMetaBuilder meta = new ObjectMetaBuilder()
                .withName(target.pvcName())
                .withNamespace(fs.getMetadata().getNamespace())
                .withLabels(labels)
                // Survives `kubectl delete --cascade=orphan` (which strips owner references): the orphan
                // collector only ever removes disks created under Delete.
                .withAnnotations(Map.of(Labels.DISK_DELETION_POLICY, String.valueOf(spec.getDiskDeletionPolicy())));
        if (spec.getDiskDeletionPolicy() == DiskDeletionPolicy.Delete) {
            meta.withOwnerReferences(ownerReference(fs));
        }
        return new PersistentVolumeClaimBuilder()
                .withMetadata(meta.build())
                .withNewSpec()
                // Both VMs of a failover pair attach the disk (only the active one mounts it): RWX, on a
                // StorageClass that offers ReadWriteMany block volumes.
                .withAccessModes(server.paired() ? "ReadWriteMany" : "ReadWriteOnce")
                // Raw block: the guest formats it with mkfs.lustre; no filesystem image file in between.
                .withVolumeMode("Block")
                .withStorageClassName(spec.getStorageClassName())
                .withNewResources()
                .addToRequests("storage", Quantities.format(target.sizeBytes()))
                .endResources()
                .endSpec()
                .build();
    }

    /** LNet's TCP port: the acceptor listens there and every socklnd connection starts there (acceptor.c). */
    public static final int LNET_PORT = 988;

    public static String lnetServiceName(String server) {
        // A Service name is a DNS-1035 label (starts with a letter); a resource name may start with a digit.
        return "lnet-" + server;
    }

    /**
     * The Service whose ClusterIP is the server's NID on the pod network. The API server allocates the address
     * and keeps it for the Service's life, never giving it to another Service, so the NID survives virt-launcher
     * restarts and VM re-creation, and two filesystems never share one. Owned by the LustreFileSystem, not the VM:
     * it must outlive a re-created VM. {@code publishNotReadyAddresses}: a server in recovery (not Ready) must stay
     * reachable, or its clients could never reconnect and finish the recovery that makes it Ready.
     *
     * @param clusterIp the address to ask for (re-creating a lost Service with the NID recorded in the status);
     *     null to let the API server allocate one
     */
    public io.fabric8.kubernetes.api.model.Service lnetService(
            LustreFileSystem fs, ServerPlan server, String clusterIp) {
        Map<String, String> selector = new LinkedHashMap<>();
        // The virt-launcher pod carries the VMI template's labels (KubeVirt copies them onto the pod it makes).
        selector.put(Labels.FILESYSTEM, fs.getMetadata().getName());
        selector.put(Labels.SERVER, server.name());
        return new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(lnetServiceName(server.name()))
                        .withNamespace(fs.getMetadata().getNamespace())
                        .withLabels(serverLabels(fs, server))
                        .withOwnerReferences(ownerReference(fs))
                        .build())
                .withNewSpec()
                .withType("ClusterIP")
                .withClusterIP(clusterIp)
                .withSelector(selector)
                .withPublishNotReadyAddresses(true)
                .addNewPort()
                .withName("lnet")
                .withProtocol("TCP")
                .withPort(LNET_PORT)
                .withTargetPort(new IntOrString(LNET_PORT))
                .endPort()
                .endSpec()
                .build();
    }

    public static String hostKeySecretName(String server) {
        return server + "-ssh-host-key";
    }

    /**
     * The Secret with a server's SSH host key, owned by the LustreFileSystem (so it outlives a lost VM and the
     * re-created VM presents the same key) and mounted into the VM as a disk (not in the VM spec or user data).
     */
    public io.fabric8.kubernetes.api.model.Secret hostKeySecret(
            LustreFileSystem fs, ServerPlan server, String privateKey, String publicKey) {
        Map<String, String> labels = serverLabels(fs, server);
        return new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(hostKeySecretName(server.name()))
                        .withNamespace(fs.getMetadata().getNamespace())
                        .withLabels(labels)
                        .withOwnerReferences(ownerReference(fs))
                        .build())
                .withType("Opaque")
                .addToStringData(HOST_KEY_FILE, privateKey)
                .addToStringData(HOST_KEY_FILE + ".pub", publicKey + "\n")
                .build();
    }

    public static Map<String, String> serverLabels(LustreFileSystem fs, ServerPlan server) {
        Map<String, String> labels = Labels.forFilesystem(fs.getMetadata().getName());
        labels.put(Labels.ROLE, server.role().name().toLowerCase());
        labels.put(Labels.SERVER, server.name());
        if (server.runsMgs()) {
            labels.put(Labels.MGS, "true");
        }
        if (server.paired()) {
            labels.put(Labels.PAIR, server.pair());
        }
        return labels;
    }

    public static OwnerReference ownerReference(LustreFileSystem fs) {
        return new OwnerReferenceBuilder()
                .withApiVersion(LustreFileSystem.API_VERSION)
                .withKind("LustreFileSystem")
                .withName(fs.getMetadata().getName())
                .withUid(fs.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private Domain domain(ServerContext ctx) {
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        Domain domain = new Domain();
        Cpu cpu = new Cpu();
        cpu.setCores(spec.getVm().getCpu());
        domain.setCpu(cpu);
        String memory = spec.getVm().getMemory().toString();
        Memory mem = new Memory();
        mem.setGuest(new IntOrString(memory));
        domain.setMemory(mem);
        Resources resources = new Resources();
        resources.setRequests(new LinkedHashMap<>(Map.of("memory", new IntOrString(memory))));
        domain.setResources(resources);

        List<Disks> disks = new ArrayList<>();
        disks.add(disk(ROOT_DISK, null, 1L));
        disks.add(disk(CLOUD_INIT_DISK, null, null));
        if (ctx.sshAuthorizedKey() != null) {
            disks.add(disk(HOST_KEY_DISK, null, null));
        }
        for (TargetPlan t : ctx.server().targets()) {
            Disks d = disk(t.diskName(), t.serial(), null);
            if (ctx.server().paired()) {
                // Both VMs of the pair attach it: KubeVirt's Disk.shareable ("the disk is made sharable and
                // multiple write from different VMs are permitted", kubevirt.io/api core/v1). No host page cache
                // (cache none, O_DIRECT) so a VM never reads a block its partner rewrote from its host's stale
                // copy; KubeVirt's default falls back to writethrough (host-cached) where O_DIRECT is unsupported.
                // Only one VM mounts at a time: the operator activates one, and ldiskfs MMP refuses a second.
                d.setShareable(true);
                d.setCache("none");
            }
            disks.add(d);
        }
        Devices devices = new Devices();
        devices.setDisks(disks);
        String ns = ctx.filesystem().getMetadata().getNamespace();
        List<Interfaces> interfaces = new ArrayList<>();
        Interfaces pod = new Interfaces();
        pod.setName(POD_NETWORK);
        // Bridge, not masquerade: the guest must own the address its NID names (LNet rejects NATed peers).
        pod.setBridge(new Bridge());
        pod.setMacAddress(MacAddresses.forInterface(ns, ctx.server().name(), POD_NETWORK));
        interfaces.add(pod);
        if (spec.getNetwork().usesAttachment()) {
            Interfaces lnet = new Interfaces();
            lnet.setName(LNET_NETWORK);
            if (spec.getNetwork().getType() == NetworkType.O2IB) {
                // RDMA needs the NIC itself: an SR-IOV virtual function passed through to the guest.
                lnet.setSriov(new Sriov());
            } else {
                lnet.setBridge(new Bridge());
            }
            if (!spec.getNetwork().infiniBand()) {
                // Ethernet and RoCE functions take the MAC the guest's network data matches; an InfiniBand
                // function has a 20-byte IPoIB address instead (the boot script finds it by link type).
                lnet.setMacAddress(MacAddresses.forInterface(ns, ctx.server().name(), LNET_NETWORK));
            }
            interfaces.add(lnet);
        }
        devices.setInterfaces(interfaces);
        domain.setDevices(devices);
        return domain;
    }

    /**
     * The two VMs of a pair never on one node (a node failure must leave one standing): required pod anti-affinity on
     * the pair label, per host, which KubeVirt copies to the virt-launcher pods the scheduler places.
     */
    private static Affinity apartFromPartner(ServerPlan server) {
        LabelSelector selector = new LabelSelector();
        selector.setMatchLabels(new LinkedHashMap<>(Map.of(Labels.PAIR, server.pair())));
        RequiredDuringSchedulingIgnoredDuringExecution term = new RequiredDuringSchedulingIgnoredDuringExecution();
        term.setLabelSelector(selector);
        term.setTopologyKey("kubernetes.io/hostname");
        PodAntiAffinity anti = new PodAntiAffinity();
        anti.setRequiredDuringSchedulingIgnoredDuringExecution(new ArrayList<>(List.of(term)));
        Affinity affinity = new Affinity();
        affinity.setPodAntiAffinity(anti);
        return affinity;
    }

    private static Disks disk(String name, String serial, Long bootOrder) {
        Disks d = new Disks();
        d.setName(name);
        Disk bus = new Disk();
        bus.setBus("virtio");
        d.setDisk(bus);
        d.setSerial(serial);
        d.setBootOrder(bootOrder);
        return d;
    }

    private static List<Networks> networks(LustreFileSystemSpec spec) {
        List<Networks> networks = new ArrayList<>();
        Networks pod = new Networks();
        pod.setName(POD_NETWORK);
        pod.setPod(new Pod());
        networks.add(pod);
        if (spec.getNetwork().usesAttachment()) {
            Networks lnet = new Networks();
            lnet.setName(LNET_NETWORK);
            Multus multus = new Multus();
            multus.setNetworkName(spec.getNetwork().getAttachment());
            lnet.setMultus(multus);
            networks.add(lnet);
        }
        return networks;
    }

    private List<Volumes> volumes(ServerContext ctx) {
        List<Volumes> volumes = new ArrayList<>();
        Volumes root = new Volumes();
        root.setName(ROOT_DISK);
        ContainerDisk image = new ContainerDisk();
        image.setImage(ctx.filesystem().getSpec().getImage());
        root.setContainerDisk(image);
        volumes.add(root);
        Volumes ci = new Volumes();
        ci.setName(CLOUD_INIT_DISK);
        CloudInitNoCloud noCloud = new CloudInitNoCloud();
        noCloud.setUserData(cloudInit.userData(ctx));
        noCloud.setNetworkData(cloudInit.networkData(ctx));
        ci.setCloudInitNoCloud(noCloud);
        volumes.add(ci);
        if (ctx.sshAuthorizedKey() != null) {
            Volumes key = new Volumes();
            key.setName(HOST_KEY_DISK);
            var secret = new io.kubevirt.v1.virtualmachinespec.template.spec.volumes.Secret();
            secret.setSecretName(hostKeySecretName(ctx.server().name()));
            secret.setVolumeLabel(HOST_KEY_LABEL);
            key.setSecret(secret);
            volumes.add(key);
        }
        for (TargetPlan t : ctx.server().targets()) {
            Volumes v = new Volumes();
            v.setName(t.diskName());
            var pvc = new io.kubevirt.v1.virtualmachinespec.template.spec.volumes.PersistentVolumeClaim();
            pvc.setClaimName(t.pvcName());
            v.setPersistentVolumeClaim(pvc);
            volumes.add(v);
        }
        return volumes;
    }
}
