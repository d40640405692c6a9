package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One shared-pool volume's record. Written only by the CSI controller; read back through its one reader, which
 * rejects a record that is incomplete or not where the driver would have put it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "pool",
    "volumeName",
    "state",
    "projectId",
    "capacityBytes",
    "parameters",
    "onDelete",
    "stripeCount",
    "stripeSize",
    "directoryMode",
    "mountOptions",
    "pvc",
    "createdAt",
    "sourceVolume"
})
public class LustreVolumeSpec {

    private String pool;
    private String volumeName;
    private VolumeState state;
    private Long projectId;
    private Long capacityBytes;
    private String parameters;
    private VolumeReclaim onDelete;
    private Integer stripeCount;
    private Long stripeSize;
    private Integer directoryMode;
    private String mountOptions;
    private String pvc;
    private String createdAt;
    private String sourceVolume;

    /** Name of the pool LustreFileSystem (same namespace) the volume's directory is on. */
    public String getPool() {
        return pool;
    }

    public void setPool(String pool) {
        this.pool = pool;
    }

    /** The CSI volume name (the PV name), which is also the directory name on the pool. */
    public String getVolumeName() {
        return volumeName;
    }

    public void setVolumeName(String volumeName) {
        this.volumeName = volumeName;
    }

    public VolumeState getState() {
        return state;
    }

    public void setState(VolumeState state) {
        this.state = state;
    }

    /** The Lustre project id of the volume's directory, which its quota is set on. */
    public Long getProjectId() {
        return projectId;
    }

    public void setProjectId(Long projectId) {
        this.projectId = projectId;
    }

    /** The quota, i.e. the volume's size; the pool's planned capacity is the sum over its volumes. */
    public Long getCapacityBytes() {
        return capacityBytes;
    }

    public void setCapacityBytes(Long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** Fingerprint of the StorageClass parameters it was created with (a repeated create must match). */
    public String getParameters() {
        return parameters;
    }

    public void setParameters(String parameters) {
        this.parameters = parameters;
    }

    public VolumeReclaim getOnDelete() {
        return onDelete;
    }

    public void setOnDelete(VolumeReclaim onDelete) {
        this.onDelete = onDelete;
    }

    /** Default stripe count set on the directory (0: filesystem default). */
    public Integer getStripeCount() {
        return stripeCount;
    }

    public void setStripeCount(Integer stripeCount) {
        this.stripeCount = stripeCount;
    }

    /** Default stripe size in bytes (0: filesystem default). */
    public Long getStripeSize() {
        return stripeSize;
    }

    public void setStripeSize(Long stripeSize) {
        this.stripeSize = stripeSize;
    }

    /** Permission bits of the directory. */
    public Integer getDirectoryMode() {
        return directoryMode;
    }

    public void setDirectoryMode(Integer directoryMode) {
        this.directoryMode = directoryMode;
    }

    /** Comma-separated client mount options handed to the node in the volume context. */
    public String getMountOptions() {
        return mountOptions;
    }

    public void setMountOptions(String mountOptions) {
        this.mountOptions = mountOptions;
    }

    /** {@code namespace/name} of the claim it was made for, when the external-provisioner said. */
    public String getPvc() {
        return pvc;
    }

    public void setPvc(String pvc) {
        this.pvc = pvc;
    }

    /** When it was reserved (ISO-8601). */
    public String getCreatedAt() {
        return createdAt;
    }

    public void setCreatedAt(String createdAt) {
        this.createdAt = createdAt;
    }

    /** For a clone: the name of the volume of the same pool it was copied from (CSI volume_content_source). */
    public String getSourceVolume() {
        return sourceVolume;
    }

    public void setSourceVolume(String sourceVolume) {
        this.sourceVolume = sourceVolume;
    }
}
