package dev.lustrecsi.cli;

import dev.lustrecsi.csi.DriverNames;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The checks behind {@code kubectl lustre doctor}: each reads what a working installation leaves in the API
 * (objects, node labels the node plugin publishes as CSI topology, node resources) and says what is missing
 * and how to fix it. Read-only: only get/list calls.
 */
final class Doctor {
    /** How bad a finding is: only {@link #MISSING} makes the command fail. */
    enum Level {
        OK,
        WARN,
        MISSING
    }

    /** One result: what was checked, what was found, and the fix when it is not OK. */
    record Finding(String check, Level level, String detail, String fix) {
        static Finding ok(String check, String detail) {
            return new Finding(check, Level.OK, detail, "");
        }

        static Finding warn(String check, String detail, String fix) {
            return new Finding(check, Level.WARN, detail, fix);
        }

        static Finding missing(String check, String detail, String fix) {
            return new Finding(check, Level.MISSING, detail, fix);
        }
    }

    static final String DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
    static final String KUBEVIRT_CRD = "virtualmachines.kubevirt.io";
    static final String NAD_CRD = "network-attachment-definitions.k8s.cni.cncf.io";
    static final ResourceDefinitionContext KUBEVIRT_CR = new ResourceDefinitionContext.Builder()
            .withGroup("kubevirt.io")
            .withVersion("v1")
            .withKind("KubeVirt")
            .withPlural("kubevirts")
            .withNamespaced(true)
            .build();
    static final ResourceDefinitionContext CDI_STORAGE_PROFILE = new ResourceDefinitionContext.Builder()
            .withGroup("cdi.kubevirt.io")
            .withVersion("v1beta1")
            .withKind("StorageProfile")
            .withPlural("storageprofiles")
            .withNamespaced(false)
            .build();
    /** Extended resources of SR-IOV and RDMA device plugins, by the prefixes their vendors register. */
    private static final List<String> RDMA_RESOURCE_PREFIXES =
            List.of("rdma/", "nvidia.com/", "mellanox.com/", "intel.com/", "openshift.io/");

    private final KubernetesClient client;

    Doctor(KubernetesClient client) {
        this.client = client;
    }

    List<Finding> run() {
        List<Node> nodes = client.nodes().list().getItems();
        return List.of(
                csiDriver(),
                nodePlugins(),
                clientModules(nodes),
                lnetNetworks(nodes),
                kubeVirt(),
                fabric(nodes),
                defaultBlockStorageClass());
    }

    /** The CSIDriver object kubelet and the sidecars look the driver up by. */
    Finding csiDriver() {
        String check = "CSIDriver " + DriverNames.DRIVER_NAME;
        if (client.storage().v1().csiDrivers().withName(DriverNames.DRIVER_NAME).get() != null) {
            return Finding.ok(check, "registered");
        }
        return Finding.missing(
                check,
                "not registered: the driver is not installed",
                "helm install lustre-csi deploy/chart/lustre-csi -n lustre-csi --create-namespace"
                        + " (or kubectl apply -f deploy/manifests/), see deploy/README-install.md");
    }

    /** The node plugin DaemonSet(s): every scheduled pod ready. */
    Finding nodePlugins() {
        String check = "node plugins";
        List<DaemonSet> sets = client.apps()
                .daemonSets()
                .inAnyNamespace()
                .withLabel("app.kubernetes.io/name", "lustre-csi")
                .withLabel("app.kubernetes.io/component", "node")
                .list()
                .getItems();
        if (sets.isEmpty()) {
            return Finding.missing(
                    check,
                    "no node plugin DaemonSet (labels app.kubernetes.io/name=lustre-csi,"
                            + " app.kubernetes.io/component=node)",
                    "install the chart (deploy/README-install.md)");
        }
        List<String> notReady = new ArrayList<>();
        int ready = 0;
        int desired = 0;
        for (DaemonSet ds : sets) {
            var st = ds.getStatus();
            int want = st == null || st.getDesiredNumberScheduled() == null ? 0 : st.getDesiredNumberScheduled();
            int have = st == null || st.getNumberReady() == null ? 0 : st.getNumberReady();
            desired += want;
            ready += have;
            if (want == 0 || have < want) {
                notReady.add(
                        ds.getMetadata().getNamespace() + "/" + ds.getMetadata().getName() + " " + have + "/" + want);
            }
        }
        if (notReady.isEmpty()) {
            return Finding.ok(check, ready + "/" + desired + " ready");
        }
        return Finding.missing(
                check,
                "not ready: " + String.join(", ", notReady),
                "kubectl -n <namespace> describe daemonset and the node plugin's log (container lustre-csi-node):"
                        + " a plugin stays unready while its node has no Lustre client or LNet network");
    }

    /** Nodes whose plugin found a loadable Lustre client (topology label client-version other than none). */
    Finding clientModules(List<Node> nodes) {
        String check = "Lustre client modules";
        List<String> without = new ArrayList<>();
        List<String> with = new ArrayList<>();
        for (Node n : nodes) {
            String version = label(n, DriverNames.TOPOLOGY_CLIENT_VERSION);
            if (version == null || version.equals("none")) {
                String kernel = label(n, DriverNames.TOPOLOGY_KERNEL);
                without.add(n.getMetadata().getName() + (kernel == null ? "" : " (kernel " + kernel + ")"));
            } else {
                with.add(n.getMetadata().getName() + " " + version);
            }
        }
        if (with.isEmpty()) {
            return Finding.missing(
                    check,
                    nodes.isEmpty() ? "no nodes" : "on no node: " + String.join(", ", without),
                    "install the Lustre client kernel modules built for each node's kernel (lustre-client-modules /"
                            + " kmod-lustre-client, or build lustre-release with --disable-server),"
                            + " see deploy/README-install.md");
        }
        if (!without.isEmpty()) {
            return Finding.warn(
                    check,
                    String.join(", ", with) + "; missing on " + String.join(", ", without),
                    "install the client modules there, or keep Lustre pods off those nodes (the startup taint does)");
        }
        return Finding.ok(check, String.join(", ", with));
    }

    /** Nodes with an LNet network configured by the plugin (topology labels lnet-tcp / lnet-o2ib). */
    Finding lnetNetworks(List<Node> nodes) {
        String check = "LNet networks";
        List<String> none = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (Node n : nodes) {
            boolean tcp = "true".equals(label(n, DriverNames.TOPOLOGY_LNET_TCP));
            boolean o2ib = "true".equals(label(n, DriverNames.TOPOLOGY_LNET_O2IB));
            if (tcp) {
                seen.add("tcp");
            }
            if (o2ib) {
                seen.add("o2ib");
            }
            if (!tcp && !o2ib) {
                none.add(n.getMetadata().getName());
            }
        }
        if (seen.isEmpty()) {
            return Finding.missing(
                    check,
                    nodes.isEmpty() ? "no nodes" : "on no node",
                    "check the node plugin's log; set the chart value network.lnetInterface to the NIC LNet should use,"
                            + " and remove a host lnet.conf / lnet service that configured LNet differently");
        }
        if (!none.isEmpty()) {
            return Finding.warn(
                    check,
                    String.join("+", seen) + "; none on " + String.join(", ", none),
                    "see those nodes' node plugin logs (network.lnetInterface)");
        }
        return Finding.ok(check, String.join("+", seen) + " on every node");
    }

    /** KubeVirt's CRDs and its KubeVirt resource (installed, deployed, which version). */
    Finding kubeVirt() {
        String check = "KubeVirt";
        CustomResourceDefinition crd = client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(KUBEVIRT_CRD)
                .get();
        if (crd == null) {
            return Finding.missing(
                    check,
                    "not installed (no CRD " + KUBEVIRT_CRD + ")",
                    "install KubeVirt: kubectl apply -f kubevirt-operator.yaml and kubevirt-cr.yaml of a release"
                            + " (https://kubevirt.io/user-guide/cluster_admin/installation/)");
        }
        List<GenericKubernetesResource> crs = client.genericKubernetesResources(KUBEVIRT_CR)
                .inAnyNamespace()
                .list()
                .getItems();
        if (crs.isEmpty()) {
            return Finding.missing(
                    check,
                    "CRDs present but no KubeVirt resource: virt-operator deployed nothing",
                    "kubectl apply -f kubevirt-cr.yaml of the same release");
        }
        GenericKubernetesResource kv = crs.get(0);
        Map<String, Object> status = kv.get("status") instanceof Map<?, ?> m ? cast(m) : Map.of();
        String phase = Objects.toString(status.get("phase"), "unknown");
        String version = Objects.toString(status.get("observedKubeVirtVersion"), "unknown");
        String where = kv.getMetadata().getNamespace() + "/" + kv.getMetadata().getName();
        if (!"Deployed".equals(phase)) {
            return Finding.missing(
                    check,
                    where + " phase " + phase + " (version " + version + ")",
                    "kubectl -n " + kv.getMetadata().getNamespace() + " describe kubevirt "
                            + kv.getMetadata().getName());
        }
        return Finding.ok(check, version + " deployed (" + where + ")");
    }

    /** Multus (NetworkAttachmentDefinition CRD) and RDMA / SR-IOV device plugin resources on nodes. */
    Finding fabric(List<Node> nodes) {
        String check = "Multus / SR-IOV";
        boolean multus = client.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(NAD_CRD)
                        .get()
                != null;
        TreeSet<String> resources = new TreeSet<>();
        for (Node n : nodes) {
            Map<String, Quantity> allocatable =
                    n.getStatus() == null ? null : n.getStatus().getAllocatable();
            if (allocatable == null) {
                continue;
            }
            allocatable.forEach((name, q) -> {
                if (RDMA_RESOURCE_PREFIXES.stream().anyMatch(name::startsWith)
                        && q.getNumericalAmount().signum() > 0) {
                    resources.add(name);
                }
            });
        }
        String found = (multus ? "Multus present" : "no Multus") + "; device plugin resources: "
                + (resources.isEmpty() ? "none" : String.join(", ", resources));
        if (multus && !resources.isEmpty()) {
            return Finding.ok(check, found);
        }
        // Optional: servers then sit on the pod network (tcp), whose addresses change when a VM restarts.
        return Finding.warn(
                check,
                found,
                "only needed for o2ib (RDMA) or stable server NIDs: install Multus and the SR-IOV network device"
                        + " plugin, then set network.attachment (deploy/README-install.md, \"Networks\")");
    }

    /** A default StorageClass for the target disks, and whether it can give Block volumes. */
    Finding defaultBlockStorageClass() {
        String check = "default StorageClass (target disks)";
        List<StorageClass> defaults = client.storage().v1().storageClasses().list().getItems().stream()
                .filter(sc -> sc.getMetadata().getAnnotations() != null
                        && "true".equals(sc.getMetadata().getAnnotations().get(DEFAULT_CLASS_ANNOTATION)))
                .toList();
        if (defaults.isEmpty()) {
            return Finding.missing(
                    check,
                    "none: the servers' target-disk PVCs (volumeMode Block) would stay Pending",
                    "mark a block-capable class default (kubectl annotate storageclass <name> "
                            + DEFAULT_CLASS_ANNOTATION + "=true) or name one per filesystem (spec.storageClassName,"
                            + " kubectl lustre create --disk-storage-class)");
        }
        StorageClass sc = defaults.get(0);
        String name = sc.getMetadata().getName();
        // CDI (KubeVirt's importer) records per class which volume modes the provisioner gives.
        GenericKubernetesResource profile = null;
        try {
            profile = client.genericKubernetesResources(CDI_STORAGE_PROFILE)
                    .withName(name)
                    .get();
        } catch (RuntimeException e) {
            // No CDI: nothing to ask.
        }
        if (profile != null
                && profile.get("status") instanceof Map<?, ?> status
                && status.get("claimPropertySets") instanceof List<?> sets) {
            boolean block =
                    sets.stream().anyMatch(s -> s instanceof Map<?, ?> m && "Block".equals(m.get("volumeMode")));
            return block
                    ? Finding.ok(check, name + " (" + sc.getProvisioner() + "), Block per its CDI StorageProfile")
                    : Finding.missing(
                            check,
                            name + " (" + sc.getProvisioner() + ") gives no Block volumes"
                                    + " per its CDI StorageProfile",
                            "use a block-capable class for the target disks");
        }
        return Finding.warn(
                check,
                name + " (" + sc.getProvisioner() + "); cannot tell whether it gives" + " volumeMode Block",
                "check that " + sc.getProvisioner() + " supports raw block volumes;" + " the target disks need them");
    }

    private static String label(Node n, String key) {
        return n.getMetadata().getLabels() == null
                ? null
                : n.getMetadata().getLabels().get(key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
