package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One server VM as the operator knows it. The address is kept here so a re-created VM gets the same one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServerStatus {
    private String name;
    private ServerRole role;
    private Boolean mgs;
    private String address;
    private String nid;
    private String lustreVersion;
    private Boolean ready;
    private Boolean everReady;
    private Boolean standby;
    private String sshHostKey;
    private String partner;
    private Boolean active;

    public ServerStatus() {}

    public ServerStatus(String name, ServerRole role) {
        this.name = name;
        this.role = role;
    }

    /** Name of the VirtualMachine. */
    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public ServerRole getRole() {
        return role;
    }

    public void setRole(ServerRole role) {
        this.role = role;
    }

    /** True when this server runs the MGS (its own VM, or the MDS with MDT0 when co-located). */
    public Boolean getMgs() {
        return mgs;
    }

    public void setMgs(Boolean mgs) {
        this.mgs = mgs;
    }

    /** Static address from the network pool (attachment mode), or the last observed pod address. */
    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public String getNid() {
        return nid;
    }

    public void setNid(String nid) {
        this.nid = nid;
    }

    /** Lustre version of the VM definition currently applied to this server. */
    public String getLustreVersion() {
        return lustreVersion;
    }

    public void setLustreVersion(String lustreVersion) {
        this.lustreVersion = lustreVersion;
    }

    public Boolean getReady() {
        return ready;
    }

    public void setReady(Boolean ready) {
        this.ready = ready;
    }

    /** True once this server has been ready; a server that was ready and is not any more is lost or failed. */
    public Boolean getEverReady() {
        return everReady;
    }

    public void setEverReady(Boolean everReady) {
        this.everReady = everReady;
    }

    /**
     * True while this OSS is a warm standby: its OSTs are formatted and mounted but take no new objects. The
     * operator clears it when it puts the server into service; a server never returns to standby.
     */
    public Boolean getStandby() {
        return standby;
    }

    public void setStandby(Boolean standby) {
        this.standby = standby;
    }

    /**
     * The server's SSH host public key ({@code ssh-ed25519 AAAA...}), made by the operator with its private half in
     * the Secret {@code <server>-ssh-host-key}: the operator pins it for {@code virtctl ssh} before connecting.
     */
    public String getSshHostKey() {
        return sshHostKey;
    }

    public void setSshHostKey(String sshHostKey) {
        this.sshHostKey = sshHostKey;
    }

    /**
     * The other VM of this server's failover pair ({@code spec.metadataFailover}); null for a server without one.
     * Both VMs see the same target disks; only the {@link #getActive() active} one mounts them.
     */
    public String getPartner() {
        return partner;
    }

    public void setPartner(String partner) {
        this.partner = partner;
    }

    /**
     * For a member of a failover pair: true on the VM that mounts the pair's targets, false on its partner. The
     * operator flips it (status first) when it fails over, and tells the VM it is active after every boot.
     */
    public Boolean getActive() {
        return active;
    }

    public void setActive(Boolean active) {
        this.active = active;
    }

    /** A member of a failover pair that is not the active one (its targets are mounted by the partner). */
    public boolean passivePairMember() {
        return partner != null && !Boolean.TRUE.equals(active);
    }

    public boolean onStandby() {
        return Boolean.TRUE.equals(standby);
    }

    public boolean wasEverReady() {
        return Boolean.TRUE.equals(everReady);
    }

    public boolean readyNow() {
        return Boolean.TRUE.equals(ready);
    }

    public boolean runsMgs() {
        return Boolean.TRUE.equals(mgs);
    }
}
