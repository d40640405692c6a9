package dev.lustrecsi.csi;

/** Names the driver is known by in Kubernetes: the CSI driver name and its label/topology prefix. */
public final class DriverNames {
    /** The CSI driver name (CSIDriver object, StorageClass provisioner, PV spec.csi.driver). */
    public static final String DRIVER_NAME = "lustre.csi.lustrecsi.dev";

    /** Topology key: "true" when the node has an LNet tcp network configured. */
    public static final String TOPOLOGY_LNET_TCP = DRIVER_NAME + "/lnet-tcp";
    /** Topology key: "true" when the node has an LNet o2ib (RDMA) network configured. */
    public static final String TOPOLOGY_LNET_O2IB = DRIVER_NAME + "/lnet-o2ib";

    private DriverNames() {
    }
}
