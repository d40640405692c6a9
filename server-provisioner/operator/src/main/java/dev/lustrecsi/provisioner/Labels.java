package dev.lustrecsi.provisioner;

import java.util.LinkedHashMap;
import java.util.Map;

/** Labels and annotations the operator puts on the objects it owns, and reads back after a restart. */
public final class Labels {
    private Labels() {}

    public static final String PREFIX = "lustre.lustrecsi.dev/";
    public static final String FILESYSTEM = PREFIX + "filesystem";
    public static final String ROLE = PREFIX + "role";
    public static final String SERVER = PREFIX + "server";
    public static final String TARGET = PREFIX + "target";
    /** On both VMs of a metadata failover pair: the pair's name (its first VM's); their anti-affinity selects it. */
    public static final String PAIR = PREFIX + "pair";
    /** "true" on the server running the MGS. */
    public static final String MGS = PREFIX + "mgs";

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "server-provisioner";
    public static final String NAME = "app.kubernetes.io/name";

    /** Annotation on the VM template (so also on each VMI): the Lustre version the VM boots. */
    public static final String LUSTRE_VERSION = PREFIX + "lustre-version";
    /** Annotation: the static LNet address of the server (attachment mode). */
    public static final String ADDRESS = PREFIX + "address";
    /** Annotation: comma-separated Lustre targets on the server. */
    public static final String TARGETS = PREFIX + "targets";

    /** Annotation on a target PVC: the diskDeletionPolicy it was created under (Retain disks are never collected). */
    public static final String DISK_DELETION_POLICY = PREFIX + "disk-deletion-policy";
    /** Annotation: when the orphan collector first found the object owned by nothing (RFC 3339). */
    public static final String ORPHANED_SINCE = PREFIX + "orphaned-since";

    public static final String FINALIZER = PREFIX + "finalizer";

    public static Map<String, String> forFilesystem(String resourceName) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "lustre-server");
        labels.put(MANAGED_BY, MANAGED_BY_VALUE);
        labels.put(FILESYSTEM, resourceName);
        return labels;
    }
}
