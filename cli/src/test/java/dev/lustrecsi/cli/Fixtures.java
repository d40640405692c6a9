package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;

/** Status the operator would write for a filesystem with one MDS (MGS co-located) and {@code osts} OSSs. */
final class Fixtures {
    static final long GI = 1024L * 1024 * 1024;

    private Fixtures() {}

    static void provisioning(LustreFileSystemStatus s, String fsName, int osts, int readyOsts) {
        s.setPhase(Phase.Provisioning);
        fill(s, fsName, osts, readyOsts, 100 * GI);
    }

    static void ready(LustreFileSystemStatus s, String fsName, int osts, long ostBytes, String version) {
        s.setPhase(Phase.Ready);
        fill(s, fsName, osts, osts, ostBytes);
        s.setLustreVersion(version);
    }

    static void fill(LustreFileSystemStatus s, String fsName, int osts, int readyOsts, long ostBytes) {
        List<ServerStatus> servers = new ArrayList<>();
        List<TargetStatus> targets = new ArrayList<>();
        ServerStatus mds = new ServerStatus(fsName + "-mds0", ServerRole.MDS);
        mds.setMgs(true);
        mds.setNid("10.244.1.10@tcp");
        mds.setReady(true);
        servers.add(mds);
        TargetStatus mdt =
                new TargetStatus(fsName + "-MDT0000", TargetKind.MDT, 0, mds.getName(), fsName + "-mdt0", 10 * GI);
        mdt.setState(TargetState.Ready);
        targets.add(mdt);
        for (int i = 0; i < osts; i++) {
            ServerStatus oss = new ServerStatus(fsName + "-oss" + i, ServerRole.OSS);
            oss.setReady(i < readyOsts);
            oss.setNid("10.244.2." + (10 + i) + "@tcp");
            servers.add(oss);
            TargetStatus ost = new TargetStatus(
                    String.format("%s-OST%04x", fsName, i),
                    TargetKind.OST,
                    i,
                    oss.getName(),
                    fsName + "-ost" + i,
                    ostBytes);
            ost.setState(i < readyOsts ? TargetState.Ready : TargetState.Pending);
            targets.add(ost);
        }
        s.setServers(servers);
        s.setTargets(targets);
        s.setMgsNids(List.of("10.244.1.10@tcp"));
        s.setMgsNidsText("10.244.1.10@tcp");
        s.setActiveOsts(readyOsts);
        s.setReadyOsts(readyOsts);
        s.setCapacityBytes(readyOsts * ostBytes);
    }

    /** A PV of this driver on a LustreFileSystem, bound to a claim, as the external-provisioner creates it. */
    static PersistentVolume volume(String pvName, String handle, String claimNamespace, String claimName, String size) {
        return new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(pvName)
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity(size))
                .withAccessModes("ReadWriteMany")
                .withNewCsi()
                .withDriver("lustre.csi.lustrecsi.dev")
                .withVolumeHandle(handle)
                .endCsi()
                .withNewClaimRef()
                .withNamespace(claimNamespace)
                .withName(claimName)
                .endClaimRef()
                .endSpec()
                .build();
    }
}
