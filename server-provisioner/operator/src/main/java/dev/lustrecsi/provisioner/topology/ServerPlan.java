package dev.lustrecsi.provisioner.topology;

import dev.lustrecsi.model.ServerRole;
import java.util.List;

/**
 * One server VM the filesystem needs.
 *
 * @param stage bootstrap order: 0 = the server running the MGS, 1 = the other MDSs, 2 = OSSs. A stage is
 *              created only when every server of the earlier stages is ready (targets register with the MGS
 *              in that order).
 * @param ordinal MDT index for an MDS, OSS number for an OSS (its OSTs are ordinal*k .. ordinal*k+k-1)
 */
public record ServerPlan(
        String name, ServerRole role, boolean runsMgs, int ordinal, int stage, List<TargetPlan> targets) {

    public ServerPlan {
        targets = List.copyOf(targets);
    }

    public boolean hasClientMount() {
        // MDS0 keeps a client mount of the filesystem: `lfs migrate` needs a client to move objects off OSTs.
        return role == ServerRole.MDS && ordinal == 0;
    }
}
