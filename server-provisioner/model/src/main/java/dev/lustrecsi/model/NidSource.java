package dev.lustrecsi.model;

/**
 * Where a filesystem's server NIDs come from, decided once when the operator first sees the filesystem and kept in
 * {@code status.nidSource}: Lustre records NIDs in its configuration logs, and rewriting them ({@code lctl
 * replace_nids}) needs every client unmounted, so the operator never switches an existing filesystem to another
 * source.
 */
public enum NidSource {
    /**
     * The ClusterIP of a Service per server (pod network, the default for new filesystems): allocated by the API
     * server, kept for the Service's life, so the NID survives virt-launcher restarts and VM re-creation.
     */
    ServiceAddress,
    /**
     * The VM's pod address (filesystems created before Service addresses): changes whenever the virt-launcher pod
     * is re-created.
     */
    PodAddress,
    /** A static address from {@code spec.network.addresses} on the Multus attachment. */
    Attachment
}
