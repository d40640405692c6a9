package dev.lustrecsi.provisioner.manifest;

import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.Nid;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import java.util.List;

/**
 * Everything one server VM is built from.
 *
 * @param staticAddress IPv4/prefix from the network pool (attachment mode) or null (pod network, DHCP)
 * @param mgsNids the MGS the server's targets register with; null for the server that runs the MGS itself
 * @param sshAuthorizedKey public key the operator's command executor logs in with; null for none
 * @param standby a warm-standby OSS: its OSTs mount refusing object creation until it is put into service
 * @param serviceAddress the ClusterIP of the server's LNet Service, its NID on the pod network (see {@link
 *     ServerManifests#lnetService}); null when the NID is a static or the pod address
 * @param serviceNodes for a VM of a failover pair: the NIDs of both VMs (first VM first), which its targets are
 *                     formatted with ({@code --servicenode} each); null for a server without a partner
 */
public record ServerContext(
        LustreFileSystem filesystem,
        ServerPlan server,
        String staticAddress,
        MgsNids mgsNids,
        String sshAuthorizedKey,
        boolean standby,
        String serviceAddress,
        List<List<Nid>> serviceNodes) {

    public ServerContext {
        if (server.paired() && (serviceNodes == null || serviceNodes.size() != 2)) {
            throw new IllegalArgumentException(server.name() + " is one of a pair: both service nodes are needed");
        }
        serviceNodes = serviceNodes == null
                ? null
                : serviceNodes.stream().map(List::copyOf).toList();
    }

    public ServerContext(
            LustreFileSystem filesystem,
            ServerPlan server,
            String staticAddress,
            MgsNids mgsNids,
            String sshAuthorizedKey,
            boolean standby) {
        this(filesystem, server, staticAddress, mgsNids, sshAuthorizedKey, standby, null, null);
    }

    public ServerContext(
            LustreFileSystem filesystem,
            ServerPlan server,
            String staticAddress,
            MgsNids mgsNids,
            String sshAuthorizedKey) {
        this(filesystem, server, staticAddress, mgsNids, sshAuthorizedKey, false, null, null);
    }
}
