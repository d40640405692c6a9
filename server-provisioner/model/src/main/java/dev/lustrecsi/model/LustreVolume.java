package dev.lustrecsi.model;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The CSI controller's record of one shared-pool volume (a directory with a project quota on a pool
 * {@link LustreFileSystem}): one small object per volume in the pool's namespace, owned by the pool. The spec is
 * the record; there is no status. The CRD is {@code deploy/crds/lustre.lustrecsi.dev_lustrevolumes.yaml};
 * {@code docs/decisions/0005-volume-records.md} says why records are objects of their own.
 */
@Group(LustreFileSystem.GROUP)
@Version(LustreFileSystem.VERSION)
@Kind("LustreVolume")
@Plural("lustrevolumes")
@Singular("lustrevolume")
public class LustreVolume extends CustomResource<LustreVolumeSpec, Void> implements Namespaced {

    public static final String CRD_NAME = "lustrevolumes." + LustreFileSystem.GROUP;

    @Override
    protected LustreVolumeSpec initSpec() {
        return new LustreVolumeSpec();
    }
}
