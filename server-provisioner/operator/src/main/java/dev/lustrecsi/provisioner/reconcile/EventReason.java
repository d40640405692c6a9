package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.model.Phase;

/**
 * The reason of every Kubernetes Event the operator records. The constant's name is the Event's {@code reason}
 * (what {@code kubectl describe} and the {@code lustre_operator_events_total} metric show), so a rename is a
 * compile error in every place that reports or counts the step rather than a metric that silently stops.
 */
public enum EventReason {
    // Specification and addressing
    InvalidSpec,
    AddressPoolExhausted,
    MgsNidChanged,
    ServerNidChanged,
    // Servers and their disks
    DiskCreated,
    ServerCreated,
    ServerReady,
    ServerRecreated,
    ServerRemoved,
    ServerNodeFenced,
    FailedOver,
    Bootstrapped,
    UpgradingServer,
    // Warm standby
    StandbyServerCreated,
    StandbyHoldFailed,
    StandbyPromoted,
    StandbyPromotionFailed,
    StandbyHoldMissing,
    // Project quota enforcement
    ProjectQuotaEnforced,
    ProjectQuotaNotEnforced,
    // Draining an OST before scale-in
    DrainingOst,
    MigratedFiles,
    MigrationFailed,
    OstDrained,
    DrainFailed,
    DrainCancelled,
    DrainCancelFailed,
    // Deletion
    Deleting,
    ServerDeleted,
    DisksDeleted,
    DisksRetained,
    // Orphaned VMs and disks (recorded on the orphan itself)
    OrphanFound,
    OrphanRemoved,
    // Phase changes: "Phase" + the new phase
    PhasePending,
    PhaseProvisioning,
    PhaseReady,
    PhaseDegraded,
    PhaseScaling,
    PhaseUpgrading,
    PhaseDeleting;

    /** The reason recorded when a filesystem enters {@code phase}. */
    public static EventReason enteredPhase(Phase phase) {
        return switch (phase) {
            case Pending -> PhasePending;
            case Provisioning -> PhaseProvisioning;
            case Ready -> PhaseReady;
            case Degraded -> PhaseDegraded;
            case Scaling -> PhaseScaling;
            case Upgrading -> PhaseUpgrading;
            case Deleting -> PhaseDeleting;
        };
    }
}
