package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One Lustre target ({@code fsname-OST0003}): which server holds it, on which disk, and in what state. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TargetStatus {
    private String name;
    private TargetKind kind;
    private Integer index;
    private String server;
    private String pvc;
    private TargetState state;
    private Long sizeBytes;

    public TargetStatus() {}

    public TargetStatus(String name, TargetKind kind, int index, String server, String pvc, long sizeBytes) {
        this.name = name;
        this.kind = kind;
        this.index = index;
        this.server = server;
        this.pvc = pvc;
        this.sizeBytes = sizeBytes;
        this.state = TargetState.Pending;
    }

    /** Lustre target name, e.g. {@code lfs1-MDT0000}, {@code lfs1-OST000a}, or {@code MGS}. */
    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public TargetKind getKind() {
        return kind;
    }

    public void setKind(TargetKind kind) {
        this.kind = kind;
    }

    public Integer getIndex() {
        return index;
    }

    public void setIndex(Integer index) {
        this.index = index;
    }

    /** Name of the server VM that mounts this target. */
    public String getServer() {
        return server;
    }

    public void setServer(String server) {
        this.server = server;
    }

    /** Name of the PersistentVolumeClaim holding this target. */
    public String getPvc() {
        return pvc;
    }

    public void setPvc(String pvc) {
        this.pvc = pvc;
    }

    public TargetState getState() {
        return state;
    }

    public void setState(TargetState state) {
        this.state = state;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public void setSizeBytes(Long sizeBytes) {
        this.sizeBytes = sizeBytes;
    }
}
