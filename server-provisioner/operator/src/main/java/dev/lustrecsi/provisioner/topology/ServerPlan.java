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
 * @param partner the other VM of this server's failover pair ({@code spec.metadataFailover}): same targets on the
 *                same disks; null for a server without one
 * @param pair the name of the pair both VMs belong to (the first VM's name); null without a partner
 */
public record ServerPlan(
        String name,
        ServerRole role,
        boolean runsMgs,
        int ordinal,
        int stage,
        List<TargetPlan> targets,
        String partner,
        String pair) {

    public ServerPlan {
        targets = List.copyOf(targets);
    }

    public ServerPlan(String name, ServerRole role, boolean runsMgs, int ordinal, int stage, List<TargetPlan> targets) {
        this(name, role, runsMgs, ordinal, stage, targets, null, null);
    }

    public boolean hasClientMount() {
        // MDS0 keeps a client mount of the filesystem: `lfs migrate` needs a client to move objects off OSTs.
        return role == ServerRole.MDS && ordinal == 0;
    }

    /** One VM of a failover pair (both VMs see the same target disks; one mounts them at a time). */
    public boolean paired() {
        return partner != null;
    }

    /** The second VM of a pair, planned with its own name, address and host key but the first one's targets. */
    public boolean secondOfPair() {
        return partner != null && !name.equals(pair);
    }

    /** This server's partner VM: the same targets, stage and role under the partner's name. */
    ServerPlan partnerPlan(String partnerName) {
        return new ServerPlan(partnerName, role, runsMgs, ordinal, stage, targets, name, name);
    }
}
