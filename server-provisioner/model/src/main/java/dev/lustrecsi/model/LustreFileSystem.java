package dev.lustrecsi.model;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A Lustre filesystem whose servers (MGS, MDS, OSS) run as KubeVirt virtual machines. The CRD is
 * {@code deploy/crds/lustre.lustrecsi.dev_lustrefilesystems.yaml}; the server-provisioner operator turns
 * the spec into VMs and target disks and reports progress in the status.
 */
@Group(LustreFileSystem.GROUP)
@Version(LustreFileSystem.VERSION)
@Kind("LustreFileSystem")
@Plural("lustrefilesystems")
@Singular("lustrefilesystem")
@ShortNames("lustrefs")
public class LustreFileSystem extends CustomResource<LustreFileSystemSpec, LustreFileSystemStatus>
        implements Namespaced {

    public static final String GROUP = "lustre.lustrecsi.dev";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String CRD_NAME = "lustrefilesystems." + GROUP;

    @Override
    protected LustreFileSystemSpec initSpec() {
        return new LustreFileSystemSpec();
    }

    @Override
    protected LustreFileSystemStatus initStatus() {
        return new LustreFileSystemStatus();
    }
}
