package dev.lustrecsi.provisioner;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.NetworkType;
import dev.lustrecsi.model.ScalePolicy;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;

/** LustreFileSystem resources used across the operator tests. */
public final class Fixtures {
    private Fixtures() {}

    public static LustreFileSystem tcp(String name, int osts) {
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace("hpc")
                .withUid("uid-" + name)
                .build());
        LustreFileSystemSpec spec = new LustreFileSystemSpec();
        spec.setFsName("lfs1");
        spec.setImage("registry.example.org/lustre/server:2.15.5");
        spec.setLustreVersion("2.15.5");
        spec.setOstCount(osts);
        spec.setOstSize(new Quantity("100Gi"));
        spec.setMdtSize(new Quantity("20Gi"));
        spec.setStorageClassName("fast-block");
        spec.setScalePolicy(new ScalePolicy(1, 16, 20));
        fs.setSpec(spec);
        return fs;
    }

    /** RDMA: a separate MGS, two OSTs per OSS, static addresses on a Multus SR-IOV network. */
    public static LustreFileSystem o2ib(String name, int osts) {
        LustreFileSystem fs = tcp(name, osts);
        LustreFileSystemSpec spec = fs.getSpec();
        spec.setFsName("scratch");
        spec.getMgs().setColocated(false);
        spec.setOstsPerOss(2);
        spec.setScalePolicy(new ScalePolicy(2, 8, 20));
        spec.getNetwork().setType(NetworkType.O2IB);
        spec.getNetwork().setAttachment("hpc/ib-sriov");
        List<String> pool = new ArrayList<>();
        for (int i = 10; i < 20; i++) {
            pool.add("192.168.50." + i + "/24");
        }
        spec.getNetwork().setAddresses(pool);
        return fs;
    }
}
