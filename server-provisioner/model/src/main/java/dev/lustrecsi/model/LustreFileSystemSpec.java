package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What the user asks for. Sizes are Kubernetes quantities ({@code 100Gi}) in YAML; {@link #getOstSizeBytes()}
 * gives bytes for capacity arithmetic. OST counts must be multiples of {@link #getOstsPerOss()} because an
 * OSS VM is created and removed with all of its OSTs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "fsName",
    "image",
    "lustreVersion",
    "mgs",
    "mdtCount",
    "mdtSize",
    "ostCount",
    "ostSize",
    "ostsPerOss",
    "storageClassName",
    "diskDeletionPolicy",
    "vm",
    "network",
    "scalePolicy",
    "standby",
    "nodeFailureGraceSeconds",
    "metadataFailover"
})
public class LustreFileSystemSpec {

    private String fsName;
    private String image;
    private String lustreVersion;
    private MgsSpec mgs = new MgsSpec();
    private Integer mdtCount = 1;
    private Quantity mdtSize = new Quantity("10Gi");
    private Integer ostCount;
    private Quantity ostSize;
    private Integer ostsPerOss = 1;
    private String storageClassName;
    private DiskDeletionPolicy diskDeletionPolicy = DiskDeletionPolicy.Retain;
    private VmSpec vm = new VmSpec();
    private NetworkSpec network = new NetworkSpec();
    private ScalePolicy scalePolicy;
    private StandbySpec standby;
    private Integer nodeFailureGraceSeconds;
    private Boolean metadataFailover;

    /** Default of {@link #getNodeFailureGraceSeconds()}: the node lifecycle controller's own pod eviction delay. */
    public static final int DEFAULT_NODE_FAILURE_GRACE_SECONDS = 300;

    /** Lustre filesystem name: 1-8 characters (letters, digits, '_', '-'), see the Lustre manual on mkfs.lustre. */
    public String getFsName() {
        return fsName;
    }

    public void setFsName(String fsName) {
        this.fsName = fsName;
    }

    /**
     * Container disk image of the Lustre server VM (root disk with the Lustre server packages of
     * {@link #getLustreVersion()}).
     */
    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    /** Lustre server version the image carries; changing it (with the image) rolls the servers one at a time. */
    public String getLustreVersion() {
        return lustreVersion;
    }

    public void setLustreVersion(String lustreVersion) {
        this.lustreVersion = lustreVersion;
    }

    public MgsSpec getMgs() {
        return mgs;
    }

    public void setMgs(MgsSpec mgs) {
        this.mgs = mgs;
    }

    /** Number of MDTs, one MDS VM each. Fixed once the filesystem is created. */
    public Integer getMdtCount() {
        return mdtCount;
    }

    public void setMdtCount(Integer mdtCount) {
        this.mdtCount = mdtCount;
    }

    public Quantity getMdtSize() {
        return mdtSize;
    }

    public void setMdtSize(Quantity mdtSize) {
        this.mdtSize = mdtSize;
    }

    /** Desired number of active OSTs; the CSI controller raises and lowers it within the scale policy. */
    public Integer getOstCount() {
        return ostCount;
    }

    public void setOstCount(Integer ostCount) {
        this.ostCount = ostCount;
    }

    /** Size of each OST disk. */
    public Quantity getOstSize() {
        return ostSize;
    }

    public void setOstSize(Quantity ostSize) {
        this.ostSize = ostSize;
    }

    public Integer getOstsPerOss() {
        return ostsPerOss;
    }

    public void setOstsPerOss(Integer ostsPerOss) {
        this.ostsPerOss = ostsPerOss;
    }

    /** StorageClass of the target disks (block-mode PVCs); the cluster default when unset. */
    public String getStorageClassName() {
        return storageClassName;
    }

    public void setStorageClassName(String storageClassName) {
        this.storageClassName = storageClassName;
    }

    public DiskDeletionPolicy getDiskDeletionPolicy() {
        return diskDeletionPolicy;
    }

    public void setDiskDeletionPolicy(DiskDeletionPolicy diskDeletionPolicy) {
        this.diskDeletionPolicy = diskDeletionPolicy;
    }

    public VmSpec getVm() {
        return vm;
    }

    public void setVm(VmSpec vm) {
        this.vm = vm;
    }

    public NetworkSpec getNetwork() {
        return network;
    }

    public void setNetwork(NetworkSpec network) {
        this.network = network;
    }

    public ScalePolicy getScalePolicy() {
        return scalePolicy;
    }

    public void setScalePolicy(ScalePolicy scalePolicy) {
        this.scalePolicy = scalePolicy;
    }

    /** Warm standby OSS servers ({@link StandbySpec}); none when unset. */
    public StandbySpec getStandby() {
        return standby;
    }

    public void setStandby(StandbySpec standby) {
        this.standby = standby;
    }

    /**
     * How long a node running one of this filesystem's server VMs must have been NotReady, with its kubelet silent
     * (node Lease not renewed), before the operator fences it and the VM restarts elsewhere; unset means
     * {@link #DEFAULT_NODE_FAILURE_GRACE_SECONDS}.
     */
    public Integer getNodeFailureGraceSeconds() {
        return nodeFailureGraceSeconds;
    }

    public void setNodeFailureGraceSeconds(Integer nodeFailureGraceSeconds) {
        this.nodeFailureGraceSeconds = nodeFailureGraceSeconds;
    }

    /**
     * True: the server running the MGS and every MDS are failover pairs: a second VM on another node sees the same
     * (shareable) target disks and takes the targets over when the node of the active one is fenced, without
     * waiting for a VM restart. Fixed once the filesystem exists (the targets are formatted with both NIDs).
     */
    public Boolean getMetadataFailover() {
        return metadataFailover;
    }

    public void setMetadataFailover(Boolean metadataFailover) {
        this.metadataFailover = metadataFailover;
    }

    /** Plain-named so Jackson does not serialise it. */
    public boolean metadataPairs() {
        return Boolean.TRUE.equals(metadataFailover);
    }

    /** {@link #getNodeFailureGraceSeconds()} with its default applied. */
    @JsonIgnore
    public java.time.Duration nodeFailureGrace() {
        return java.time.Duration.ofSeconds(
                nodeFailureGraceSeconds == null ? DEFAULT_NODE_FAILURE_GRACE_SECONDS : nodeFailureGraceSeconds);
    }

    /** Size of one OST in bytes, or 0 when unset or unparseable (the validator reports that). */
    @JsonIgnore
    public long getOstSizeBytes() {
        return Quantities.bytes(ostSize);
    }

    @JsonIgnore
    public long getMdtSizeBytes() {
        return Quantities.bytes(mdtSize);
    }
}
