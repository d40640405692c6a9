package dev.lustrecsi.e2e;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.csi.v1.ControllerGrpc;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoResponse;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.lustre.testing.LustreStandIns;
import dev.lustrecsi.lustre.testing.SysfsFixture;
import dev.lustrecsi.model.ApiTime;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.LustreOperator;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import dev.lustrecsi.provisioner.sim.KubeVirtSimulator;
import dev.lustrecsi.provisioner.sim.MockCluster;
import dev.lustrecsi.provisioner.sim.SimulatedLustre;
import dev.lustrecsi.testing.csi.StorageClassParams;
import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.Crds;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.storage.CSINodeBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole product on this machine, in one process tree: fabric8's mock API server in CRUD mode (behind a
 * fault-injecting proxy for the controller), the KubeVirt simulator, the real operator (LustreOperator and its
 * reconciler; the Lustre servers inside the VMs are {@link SimulatedLustre}), the real CSI controller and CSI
 * node plugin started from their Main classes in child JVMs on Unix sockets, and stand-in Lustre client tools
 * in this process's private mount namespace (which the children share). Only the outermost edges are
 * simulated: every CSI call crosses a real Unix socket, every mount is a real mount(2), and the plugins run
 * their production wiring.
 *
 * <p>Must run as root in a private mount namespace ({@code unshare -m}): the stand-ins overlay /sbin there.
 *
 * <p>{@link #start(Path, Settings, ControlPlane)} runs the same world on a real control plane instead of the
 * mock: the rendered chart applied (CRDs, RBAC, CSIDriver, ServiceAccounts), KubeVirt's real CRDs, each
 * component under its chart ServiceAccount's token, and the real external-provisioner and external-resizer
 * (with the chart's arguments) driving the controller's socket; the harness registers the Node and CSINode
 * as kubelet would. There is no fault proxy in that mode.
 */
public final class LocalCluster implements AutoCloseable {
    public static final String NAMESPACE = "lustre-csi";
    public static final String POOL = "scratch";
    /** The pool's Lustre fsname (the StorageClass names it). */
    public static final String FS_NAME = "scratch";

    public static final String STORAGE_CLASS = "lustre-scratch";
    public static final String NODE = "node-1";
    public static final String SERVER_IMAGE = StorageClassParams.SERVER_IMAGE;
    public static final String LUSTRE_VERSION = "2.15.5";
    /**
     * The controller pods' names: the controller's POD_NAME (prefix of its Lease identity) and, on the real control
     * plane, its sidecars' hostname (their Lease identity), as each pod of the Deployment has its own.
     */
    public static final String CONTROLLER_POD = "lustre-csi-controller-a";

    public static final String SECOND_CONTROLLER_POD = "lustre-csi-controller-b";
    /** The node's LNet interface and address (the stand-in lnetctl reports a NID on it). */
    private static final String NODE_INTERFACE = "eth7";

    /**
     * Timings of the simulated world and the plugins' flags.
     *
     * @param operatorResync  how often the operator re-examines every filesystem
     * @param kubevirtTick    how often the KubeVirt simulator moves every VM one step
     * @param readyWait       the controller's --ready-wait
     * @param orphanGrace     the controller's --orphan-grace
     * @param reconcileEvery  the controller's --reconcile-interval
     * @param apiRequestTimeout the controller's API client request timeout
     */
    public record Settings(
            Duration operatorResync,
            Duration kubevirtTick,
            Duration readyWait,
            Duration orphanGrace,
            Duration reconcileEvery,
            Duration apiRequestTimeout) {
        public static Settings defaults() {
            return new Settings(
                    Duration.ofMillis(250),
                    Duration.ofMillis(40),
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(4));
        }
    }

    /** The mock web server logs every request through java.util.logging; held so the level setting sticks. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = quiet("io.fabric8.mockwebserver");

    private final Path home;
    private final Settings settings;
    private final MockCluster api;
    private final ApiFaultProxy proxy;
    private final ApiFaultProxy userFront;
    /** The real control plane (not owned: whoever started it stops it), or null on the mock. */
    private final ControlPlane plane;

    private final KubernetesClient admin;
    private final Chart chart;
    private final List<Sidecar> sidecars = new ArrayList<>();
    /** A second replica of the controller's pod (controller and sidecars), once started. */
    private PluginProcess secondController;

    private final List<Sidecar> secondSidecars = new ArrayList<>();
    private final Path controllerKubeconfig;
    /** Set when this cluster started its control plane itself, and so stops it. */
    private boolean ownsPlane;

    private final KubeVirtSimulator kubevirt;
    private final SimulatedLustre lustre;
    private final LustreStandIns standIns;
    private final PluginProcess controller;
    private final PluginProcess node;
    private final Path userKubeconfig;
    private KubernetesClient operatorClient;
    private LustreOperator operator;
    private boolean closed;

    private LocalCluster(Path home, Settings settings, ControlPlane plane) {
        this.home = home;
        this.settings = settings;
        this.plane = plane;
        try {
            Files.createDirectories(home.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        standIns = LustreStandIns.install(); // with the controller's lfs among its tools
        Path nodeKubeconfig;
        if (plane == null) {
            api = MockCluster.start();
            admin = api.client();
            chart = null;
            String apiUrl = api.client().getMasterUrl().toString();
            proxy = new ApiFaultProxy(apiUrl);
            userFront = new ApiFaultProxy(apiUrl, Discovery.documents());
            userKubeconfig = Kubeconfig.write(home.resolve("kubeconfig"), userFront.url(), NAMESPACE);
            controllerKubeconfig = Kubeconfig.write(home.resolve("controller.kubeconfig"), proxy.url(), NAMESPACE);
            nodeKubeconfig = userKubeconfig;
            ensureNamespace(NAMESPACE);
        } else {
            api = null;
            proxy = null;
            userFront = null;
            admin = plane.adminClient();
            // The harness's node plugin runs under a TokenRequest token that no Pod on a Node is bound to, so it
            // carries no node name: the chart's own-node admission policy (tested with pod-bound tokens in
            // NodePluginOwnNodePolicyTest) would refuse its Node patches here, as it must for such a token.
            chart = Chart.render(admin, NAMESPACE, "node.restrictToOwnNode=false");
            chart.apply(admin, NAMESPACE);
            Crds.installKubeVirt(admin);
            userKubeconfig = plane.kubeconfig();
            // Each component is its chart ServiceAccount: a verb the chart does not grant fails.
            controllerKubeconfig =
                    plane.writeKubeconfig(home.resolve("controller.kubeconfig"), NAMESPACE, Chart.CONTROLLER_SA);
            nodeKubeconfig = plane.writeKubeconfig(home.resolve("node.kubeconfig"), NAMESPACE, Chart.NODE_SA);
        }

        // The simulator plays virt-controller and virt-handler, which have their own (wide) rights: admin.
        kubevirt = new KubeVirtSimulator(admin, NAMESPACE)
                .start(settings.kubevirtTick().toMillis());
        lustre = new SimulatedLustre(admin, NAMESPACE, FS_NAME);
        startOperator();

        controller = controllerProcess(CONTROLLER_POD, "", "pools");

        new SysfsFixture(home.resolve("sys")).netInterface(NODE_INTERFACE);
        standIns.interfaceAddress(NODE_INTERFACE, "10.7.0.50");
        try {
            Files.createDirectories(home.resolve("kubelet/pods"));
            Files.createDirectories(home.resolve("kubelet/plugins"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        node = new PluginProcess(
                "csi-node",
                "dev.lustrecsi.node.NodeMain",
                List.of(
                        "--endpoint",
                        "unix://" + home.resolve("node/csi.sock"),
                        "--node-id",
                        NODE,
                        "--kubelet-dir",
                        kubeletDir().toString(),
                        "--sysfs-root",
                        home.resolve("sys").toString(),
                        "--lnet-interface",
                        NODE_INTERFACE,
                        "--lustre-tools-dir",
                        standIns.binDirectory().toString()),
                Map.of("KUBECONFIG", nodeKubeconfig.toString()),
                home.resolve("node/csi.sock"),
                home.resolve("logs/csi-node.log"));
    }

    /**
     * The controller of one pod: {@code suffix} "" for the first pod (socket controller/, pool mounts {@code
     * poolsDir}, log csi-controller.log), "-b" and so on for another replica, which has its own socket, pool mounts
     * and log as a second pod has its own emptyDirs.
     */
    private PluginProcess controllerProcess(String pod, String suffix, String poolsDir) {
        Map<String, String> controllerEnv = new HashMap<>();
        controllerEnv.put("KUBECONFIG", controllerKubeconfig.toString());
        controllerEnv.put("POD_NAME", pod);
        controllerEnv.put(
                "KUBERNETES_REQUEST_TIMEOUT",
                Long.toString(settings.apiRequestTimeout().toMillis()));
        // fabric8 retries 5xx and I/O errors itself; a short retry budget keeps "API down" answers prompt.
        controllerEnv.put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "3");
        Path socket = home.resolve("controller" + suffix + "/csi.sock");
        return new PluginProcess(
                "csi-controller" + suffix,
                "dev.lustrecsi.controller.ControllerMain",
                List.of(
                        "--endpoint", "unix://" + socket,
                        "--pool-mount-root", home.resolve(poolsDir).toString(),
                        "--namespace", NAMESPACE,
                        // What the chart passes from serverVm.image / serverVm.lustreVersion: a StorageClass need not
                        // name them.
                        "--server-image", SERVER_IMAGE,
                        "--lustre-version", LUSTRE_VERSION,
                        "--ready-wait", settings.readyWait().toString(),
                        "--reconcile-interval", settings.reconcileEvery().toString(),
                        "--orphan-grace", settings.orphanGrace().toString(),
                        "--lfs", standIns.binDirectory().resolve("lfs").toString()),
                controllerEnv,
                socket,
                home.resolve("logs/csi-controller" + suffix + ".log"));
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    /** Starts everything: API server, KubeVirt, operator, both plugins (serving when this returns). */
    public static LocalCluster start(Path home, Settings settings) {
        return start(home, settings, null);
    }

    /**
     * Everything on a control plane of its own (started here, stopped by {@link #close()}): a clean API
     * server per cluster, as the mock gives. Where the binaries are absent ({@link ControlPlane#unavailableReason()}),
     * on the mock.
     */
    public static LocalCluster startOnRealControlPlaneIfAvailable(Path home, Settings settings) {
        if (ControlPlane.unavailableReason().isPresent()) {
            return start(home, settings, null);
        }
        ControlPlane cp = ControlPlane.start();
        try {
            LocalCluster c = start(home, settings, cp);
            c.ownsPlane = true;
            return c;
        } catch (RuntimeException e) {
            cp.close();
            throw e;
        }
    }

    /**
     * Starts everything on a real control plane (null: on the mock), with the real CSI sidecars; serving
     * when this returns.
     */
    public static LocalCluster start(Path home, Settings settings, ControlPlane plane) {
        LocalCluster c = new LocalCluster(home, settings, plane);
        // Child JVMs outlive their parent unless stopped: a JVM that exits without close() still stops them.
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "local-cluster-shutdown"));
        try {
            c.controller.start();
            c.node.start();
            if (plane != null) {
                c.registerNode();
                c.sidecars.addAll(c.startSidecars(CONTROLLER_POD, ""));
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public static LocalCluster start(Path home) {
        return start(home, Settings.defaults());
    }

    /**
     * What kubelet does when the node plugin registers: the Node (labelled with the plugin's topology
     * segments, as kubelet's CSI plugin manager labels it) and its CSINode entry (node ID, topology keys),
     * which external-provisioner reads for the topology of each volume.
     */
    private void registerNode() {
        NodeGetInfoResponse info = nodeStub().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        Map<String, String> segments =
                info.hasAccessibleTopology() ? info.getAccessibleTopology().getSegmentsMap() : Map.of();
        Map<String, String> labels = new HashMap<>(segments);
        labels.put("kubernetes.io/hostname", NODE);
        Node node = admin.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(NODE)
                        .withLabels(labels)
                        .endMetadata()
                        .build())
                .serverSideApply();
        // And its status, as kubelet reports it: Ready. The KubeVirt simulator (like KubeVirt) starts a VMI only on
        // a Ready node, and the operator's node fencing reads the same condition.
        String now = ApiTime.time(Instant.now());
        node.setStatus(new NodeStatusBuilder()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .withReason("KubeletReady")
                .withMessage("the e2e harness plays kubelet")
                .withLastHeartbeatTime(now)
                .withLastTransitionTime(now)
                .endCondition()
                .build());
        admin.nodes().resource(node).updateStatus();
        admin.storage()
                .v1()
                .csiNodes()
                .resource(new CSINodeBuilder()
                        .withNewMetadata()
                        .withName(NODE)
                        .endMetadata()
                        .withNewSpec()
                        .addNewDriver()
                        .withName(DriverNames.DRIVER_NAME)
                        .withNodeID(info.getNodeId())
                        .withTopologyKeys(new ArrayList<>(segments.keySet()))
                        .endDriver()
                        .endSpec()
                        .build())
                .serverSideApply();
    }

    /**
     * external-provisioner and external-resizer of the pod {@code pod} with the chart's arguments, as the controller
     * ServiceAccount, on that pod's controller socket; their hostname (and so their Lease identity) is the pod's
     * name.
     */
    private List<Sidecar> startSidecars(String pod, String suffix) {
        Map<String, String> env = Map.of("POD_NAMESPACE", NAMESPACE);
        List<Sidecar> started = new ArrayList<>();
        for (String sidecar : List.of("csi-provisioner", "csi-resizer")) {
            List<String> args = new ArrayList<>();
            for (String a : chart.controllerContainerArgs(sidecar, env)) {
                args.add(
                        a.startsWith("--csi-address=")
                                ? "--csi-address=" + home.resolve("controller" + suffix + "/csi.sock")
                                : a);
            }
            args.add("--kubeconfig=" + controllerKubeconfig);
            started.add(Sidecar.startWithHostname(
                    ControlPlane.assets().resolve(sidecar),
                    args,
                    home.resolve("logs/" + sidecar + suffix + ".log"),
                    pod));
        }
        return started;
    }

    /**
     * The controller's pod dies (real control plane): SIGKILL to the controller and to its sidecars, which share
     * its pod. {@link #startControllerPod()} is the pod Kubernetes starts in its place.
     */
    public synchronized void killControllerPod() {
        sidecars.forEach(Sidecar::kill);
        sidecars.clear();
        controller.kill();
    }

    /** The controller's replacement pod: the controller, then its sidecars (the chart's arguments). */
    public synchronized void startControllerPod() {
        controller.start();
        if (plane != null) {
            sidecars.addAll(startSidecars(CONTROLLER_POD, ""));
        }
    }

    /**
     * A second replica of the controller's pod ({@link #SECOND_CONTROLLER_POD}, real control plane only): its own
     * controller process (own socket, own pool mounts, POD_NAME) and its own external-provisioner and
     * external-resizer, candidates for the same Leases as the first pod's. Logs: csi-controller-b.log,
     * csi-provisioner-b.log, csi-resizer-b.log.
     */
    public synchronized PluginProcess startSecondControllerPod() {
        if (plane == null) {
            throw new IllegalStateException(
                    "the second controller pod runs the real sidecars: real control plane only");
        }
        if (secondController == null) {
            secondController = controllerProcess(SECOND_CONTROLLER_POD, "-b", "pools-b");
        }
        secondController.start();
        secondSidecars.addAll(startSidecars(SECOND_CONTROLLER_POD, "-b"));
        return secondController;
    }

    /** The second controller pod's controller, or null before {@link #startSecondControllerPod()}. */
    public synchronized PluginProcess secondController() {
        return secondController;
    }

    /** True on the real control plane: the real sidecars provision, bind and resize; there is no fault proxy. */
    public boolean realControlPlane() {
        return plane != null;
    }

    /** The real control plane, or null on the mock. */
    public ControlPlane controlPlane() {
        return plane;
    }

    /** The rendered chart applied to the real control plane, or null on the mock. */
    public Chart chart() {
        return chart;
    }

    public List<Sidecar> sidecars() {
        return List.copyOf(sidecars);
    }

    // ------------------------------------------------------------------ the pieces

    /** A client straight to the API server, as cluster-admin (what a user's kubectl has). */
    public KubernetesClient client() {
        return admin;
    }

    /** The parameters of the cluster's StorageClass, as the external-provisioner passes them to CreateVolume. */
    public Map<String, String> storageClassParameters() {
        return admin.storage()
                .v1()
                .storageClasses()
                .withName(STORAGE_CLASS)
                .get()
                .getParameters();
    }

    public ApiFaultProxy apiFaults() {
        if (proxy == null) {
            throw new IllegalStateException("no API fault proxy on the real control plane");
        }
        return proxy;
    }

    public KubeVirtSimulator kubevirt() {
        return kubevirt;
    }

    public SimulatedLustre lustre() {
        return lustre;
    }

    public LustreStandIns standIns() {
        return standIns;
    }

    public PluginProcess controller() {
        return controller;
    }

    public PluginProcess node() {
        return node;
    }

    public ControllerGrpc.ControllerBlockingStub controllerStub() {
        return ControllerGrpc.newBlockingStub(controller.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    public NodeGrpc.NodeBlockingStub nodeStub() {
        return NodeGrpc.newBlockingStub(node.channel()).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    public Path home() {
        return home;
    }

    /** The last {@code lines} lines of a component's log under logs/ (for a failure message), or why not. */
    public String logTail(String component, int lines) {
        try {
            List<String> all = Files.readAllLines(home.resolve("logs/" + component + ".log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    public Path kubeletDir() {
        return home.resolve("kubelet");
    }

    public Path poolMountRoot() {
        return home.resolve("pools");
    }

    /**
     * A kubeconfig for kubectl: the mock API server (through a front that answers discovery), or the real
     * control plane's cluster-admin kubeconfig.
     */
    public Path kubeconfig() {
        return userKubeconfig;
    }

    public String apiUrl() {
        return plane != null ? plane.serverUrl() : api.client().getMasterUrl().toString();
    }

    // ------------------------------------------------------------------ the operator

    /** A fresh operator process: new client, new informers, nothing carried over but the API server's state. */
    public synchronized void startOperator() {
        if (operator != null) {
            return;
        }
        operatorClient = plane != null ? plane.clientFor(NAMESPACE, Chart.OPERATOR_SA) : api.newClient();
        LustreFileSystemReconciler reconciler =
                new LustreFileSystemReconciler(operatorClient, lustre, new EventRecorder(operatorClient), null);
        operator = new LustreOperator(operatorClient, reconciler, NAMESPACE, settings.operatorResync());
        operator.start();
    }

    /** The operator dies: its connection goes first, so a pass in flight cannot write anything more. */
    public synchronized void killOperator() {
        endOperator(false);
    }

    /** A graceful stop: the pass in flight finishes, then the connection closes. */
    public synchronized void stopOperator() {
        endOperator(true);
    }

    private void endOperator(boolean graceful) {
        if (operator == null) {
            return;
        }
        if (graceful) {
            operator.close();
            operatorClient.close();
        } else {
            operatorClient.close();
            operator.close();
        }
        operator = null;
        operatorClient = null;
    }

    public synchronized boolean operatorRunning() {
        return operator != null;
    }

    // ------------------------------------------------------------------ what an admin applies

    /** The StorageClass of the shared pool, as examples/ has it (with the pool's sizing and server network). */
    public StorageClass applyStorageClass(Map<String, String> extraParameters) {
        Map<String, String> parameters = StorageClassParams.pool(
                POOL,
                "fsName",
                FS_NAME,
                "namespace",
                NAMESPACE,
                "maxOsts",
                "16",
                // Servers on a secondary network with static addresses: MGS NIDs survive VM restarts and upgrades.
                "networkAttachment",
                NAMESPACE + "/lustre-net",
                "networkAddresses",
                serverAddresses(17));
        parameters.putAll(extraParameters);
        return applyStorageClassWith(parameters);
    }

    /**
     * The shared pool's StorageClass with its servers on the default pod network (no attachment): their NIDs are
     * their Services' ClusterIPs. Instead of {@link #applyStorageClass}, before any claim (parameters are immutable).
     */
    public StorageClass applyPodNetworkStorageClass() {
        Map<String, String> parameters =
                StorageClassParams.pool(POOL, "fsName", FS_NAME, "namespace", NAMESPACE, "maxOsts", "16");
        return applyStorageClassWith(parameters);
    }

    /** A StorageClass of this driver named {@code name}, to be completed (parameters, binding mode) and built. */
    public static StorageClassBuilder driverStorageClass(String name) {
        return new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withProvisioner(DriverNames.DRIVER_NAME);
    }

    /** Creates a StorageClass (a test's own, besides the pool's). */
    public StorageClass createStorageClass(StorageClass sc) {
        return client().storage().v1().storageClasses().resource(sc).create();
    }

    private StorageClass applyStorageClassWith(Map<String, String> parameters) {
        StorageClass sc = driverStorageClass(STORAGE_CLASS)
                .withParameters(parameters)
                .withReclaimPolicy("Delete")
                .withVolumeBindingMode("Immediate")
                .withAllowVolumeExpansion(true)
                .build();
        return client().storage().v1().storageClasses().resource(sc).createOr(NonDeletingOperation::update);
    }

    /** Static server addresses on the node's LNet subnet, one per possible server (MGS/MDS + 16 OSS). */
    private static String serverAddresses(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("10.7.0." + (10 + i) + "/24");
        }
        return String.join(",", out);
    }

    public void ensureNamespace(String name) {
        try {
            client().namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .build())
                    .create();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    public LustreFileSystem pool() {
        return client().resources(LustreFileSystem.class)
                .inNamespace(NAMESPACE)
                .withName(POOL)
                .get();
    }

    /** The pool's OSS VMs now, by name. */
    public List<String> ossVms() {
        return client().resources(io.kubevirt.v1.VirtualMachine.class).inNamespace(NAMESPACE).list().getItems().stream()
                .map(vm -> vm.getMetadata().getName())
                .filter(n -> n.startsWith(POOL + "-oss"))
                .sorted()
                .toList();
    }

    /** The stand-in server's view of the pool (every client mount of it shows this). */
    public Path poolOnServer() {
        LustreFileSystem fs = pool();
        return standIns.serverRoot(
                fs.getStatus().getMgsNids().get(0).split("[,:]")[0],
                fs.getSpec().getFsName());
    }

    // ------------------------------------------------------------------ shutdown

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Sidecar s : sidecars) {
            s.close();
        }
        for (Sidecar s : secondSidecars) {
            s.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {node, controller, secondController}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("stopping a plugin: " + e);
            }
        }
        stopOperator();
        kubevirt.close();
        if (api != null) {
            proxy.close();
            userFront.close();
            api.close();
        }
        LustreStandIns.unmountBelow(home);
        // The stand-in servers are per JVM and keyed by MGS NID, which the next cluster's simulator hands out
        // again: stop them (their data goes with their tmpfs) so the next cluster starts with empty servers.
        LustreStandIns.unmountBelow(standIns.stateDirectory().resolve("servers"));
        if (ownsPlane) {
            plane.close();
        }
    }
}
