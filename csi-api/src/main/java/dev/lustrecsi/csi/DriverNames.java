package dev.lustrecsi.csi;

/** Names the driver is known by in Kubernetes: the CSI driver name and its label/topology prefix. */
public final class DriverNames {
    /** The CSI driver name (CSIDriver object, StorageClass provisioner, PV spec.csi.driver). */
    public static final String DRIVER_NAME = "lustre.csi.lustrecsi.dev";

    /** Topology key: "true" when the node has an LNet tcp network configured. */
    public static final String TOPOLOGY_LNET_TCP = DRIVER_NAME + "/lnet-tcp";
    /** Topology key: "true" when the node has an LNet o2ib (RDMA) network configured. */
    public static final String TOPOLOGY_LNET_O2IB = DRIVER_NAME + "/lnet-o2ib";
    /** Topology key: the loaded Lustre client's version as a label value (e.g. "2.15.6"), "none" without one. */
    public static final String TOPOLOGY_CLIENT_VERSION = DRIVER_NAME + "/client-version";
    /** Topology key: the node's kernel release as a label value (e.g. "5.14.0-427.13.1.el9_4.x86_64"). */
    public static final String TOPOLOGY_KERNEL = DRIVER_NAME + "/kernel";
    /** The taint the node plugin removes from its Node once its Lustre client is ready (Probe ready). */
    public static final String STARTUP_TAINT_KEY = DRIVER_NAME + "/agent-not-ready";

    private DriverNames() {}
}
