package dev.lustrecsi.model;

/**
 * The link layer of the LNet attachment's NIC. On {@code Ethernet} (plain tcp, or RoCE under o2ib) the guest's
 * interface has a MAC address the operator assigns and cloud-init matches. On {@code InfiniBand} an SR-IOV virtual
 * function is an IPoIB netdev with a 20-byte hardware address (queue pair number + port GID, RFC 4391), which
 * neither a KubeVirt {@code macAddress} nor cloud-init's {@code match: macaddress} can name: the boot script finds
 * it by its link type (ARPHRD_INFINIBAND, 32) and addresses it itself.
 */
public enum LinkLayer {
    Ethernet,
    InfiniBand
}
