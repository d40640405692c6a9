package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * How servers reach clients. Without an {@code attachment} the servers use the pod network over TCP, each with
 * the ClusterIP of a Service of its own as its NID, which survives restarts and re-creation (filesystems created
 * before that keep pod-address NIDs: see {@link NidSource}). With a Multus {@code attachment} (required for
 * {@code o2ib}) each server takes a static address from {@code addresses} on a second interface, recorded in
 * the status, so it keeps its NID across restarts and re-creation. No two filesystems get the same address, even
 * from the same list (the operator checks every LustreFileSystem's status before it hands one out).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkSpec {
    private NetworkType type = NetworkType.TCP;
    private String attachment;
    private List<String> addresses = new ArrayList<>();
    private LinkLayer linkLayer;

    public NetworkType getType() {
        return type;
    }

    public void setType(NetworkType type) {
        this.type = type;
    }

    /** Multus NetworkAttachmentDefinition, {@code name} or {@code namespace/name}. */
    public String getAttachment() {
        return attachment;
    }

    public void setAttachment(String attachment) {
        this.attachment = attachment;
    }

    /** Static IPv4 addresses with prefix length ({@code 192.168.50.10/24}), one per server, handed out in order. */
    public List<String> getAddresses() {
        return addresses;
    }

    public void setAddresses(List<String> addresses) {
        this.addresses = addresses;
    }

    /** Link layer of the attachment's NIC; null means {@link LinkLayer#Ethernet} (tcp, RoCE). InfiniBand needs o2ib. */
    public LinkLayer getLinkLayer() {
        return linkLayer;
    }

    public void setLinkLayer(LinkLayer linkLayer) {
        this.linkLayer = linkLayer;
    }

    public boolean infiniBand() {
        return linkLayer == LinkLayer.InfiniBand;
    }

    public boolean usesAttachment() {
        return attachment != null && !attachment.isBlank();
    }
}
