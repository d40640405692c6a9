package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the operator observed and decided. Together with the cluster objects (VMs, PVCs) this is all the
 * operator's memory: a restarted operator continues from here. {@code mgsNids} and {@code capacityBytes}
 * are what the CSI controller reads to mount the filesystem and plan capacity.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LustreFileSystemStatus {
    private Phase phase;
    private Long observedGeneration;
    private List<Condition> conditions = new ArrayList<>();
    private List<String> mgsNids = new ArrayList<>();
    /** Comma-joined {@link #mgsNids}, for the printer column. */
    private String mgsNidsText;
    /** Where the servers' NIDs come from; set once, never changed (see {@link NidSource}). */
    private NidSource nidSource;

    private Long capacityBytes;
    private String capacity;
    private Integer readyOsts;
    private Integer activeOsts;
    private Integer standbyOsts;
    private Integer standbyServers;
    private String lustreVersion;
    private Boolean bootstrapped;
    private List<ServerStatus> servers = new ArrayList<>();
    private List<TargetStatus> targets = new ArrayList<>();
    private List<Integer> retiredOstIndexes = new ArrayList<>();

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    /** MGS NIDs ({@code 10.0.0.5@tcp}), one per MGS node; empty until the MGS has an address. */
    public List<String> getMgsNids() {
        return mgsNids;
    }

    public void setMgsNids(List<String> mgsNids) {
        this.mgsNids = mgsNids;
    }

    public String getMgsNidsText() {
        return mgsNidsText;
    }

    public void setMgsNidsText(String mgsNidsText) {
        this.mgsNidsText = mgsNidsText;
    }

    /** Total size of the OSTs that are ready and accept new objects (draining OSTs excluded). */
    public Long getCapacityBytes() {
        return capacityBytes;
    }

    public void setCapacityBytes(Long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** {@link #getCapacityBytes()} for people ({@code 400Gi}), shown by {@code kubectl get lustrefs}. */
    public String getCapacity() {
        return capacity;
    }

    public void setCapacity(String capacity) {
        this.capacity = capacity;
    }

    public Integer getReadyOsts() {
        return readyOsts;
    }

    public void setReadyOsts(Integer readyOsts) {
        this.readyOsts = readyOsts;
    }

    /** OSTs that exist and are not draining or drained. */
    public Integer getActiveOsts() {
        return activeOsts;
    }

    public void setActiveOsts(Integer activeOsts) {
        this.activeOsts = activeOsts;
    }

    /** OSTs on standby servers that are ready to be put into service (no objects, not in the capacity). */
    public Integer getStandbyOsts() {
        return standbyOsts;
    }

    public void setStandbyOsts(Integer standbyOsts) {
        this.standbyOsts = standbyOsts;
    }

    /** Standby OSS servers that are ready, out of {@code spec.standby.ossServers}. */
    public Integer getStandbyServers() {
        return standbyServers;
    }

    public void setStandbyServers(Integer standbyServers) {
        this.standbyServers = standbyServers;
    }

    /** The Lustre version every server runs, when they all run the same one. */
    public String getLustreVersion() {
        return lustreVersion;
    }

    public void setLustreVersion(String lustreVersion) {
        this.lustreVersion = lustreVersion;
    }

    /** True once every target was ready at the same time; from then on a missing server means Degraded. */
    public NidSource getNidSource() {
        return nidSource;
    }

    public void setNidSource(NidSource nidSource) {
        this.nidSource = nidSource;
    }

    public Boolean getBootstrapped() {
        return bootstrapped;
    }

    public void setBootstrapped(Boolean bootstrapped) {
        this.bootstrapped = bootstrapped;
    }

    public List<ServerStatus> getServers() {
        return servers;
    }

    public void setServers(List<ServerStatus> servers) {
        this.servers = servers;
    }

    public List<TargetStatus> getTargets() {
        return targets;
    }

    public void setTargets(List<TargetStatus> targets) {
        this.targets = targets;
    }

    /** OST indexes that were drained and removed; Lustre keeps them in its configuration, so they are never reused. */
    public List<Integer> getRetiredOstIndexes() {
        return retiredOstIndexes;
    }

    public void setRetiredOstIndexes(List<Integer> retiredOstIndexes) {
        this.retiredOstIndexes = retiredOstIndexes;
    }

    /** Plain-named (not a bean getter) so Jackson keeps serialising {@code bootstrapped}. */
    public boolean bootstrappedOnce() {
        return Boolean.TRUE.equals(bootstrapped);
    }

    @JsonIgnore
    public Optional<Condition> condition(String type) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    @JsonIgnore
    public Optional<ServerStatus> server(String name) {
        return servers.stream().filter(s -> s.getName().equals(name)).findFirst();
    }

    @JsonIgnore
    public Optional<TargetStatus> target(String name) {
        return targets.stream().filter(t -> t.getName().equals(name)).findFirst();
    }
}
