package dev.lustrecsi.model;

/** Condition types and reasons the operator sets in {@code status.conditions}. */
public final class Conditions {
    private Conditions() {}

    /** False when the spec was rejected; its message lists every problem. Nothing is created while it is False. */
    public static final String SPEC_VALID = "SpecValid";
    /** True when every target is ready. */
    public static final String READY = "Ready";
    /** True while a server that was ready is not. */
    public static final String DEGRADED = "Degraded";
    /**
     * True once the MGS recorded project-quota enforcement for the filesystem ({@code conf_param <fs>.quota.ost=p}
     * and {@code .quota.mdt=p}); the filesystem is not bootstrapped before, so no volume is created unenforced.
     */
    public static final String PROJECT_QUOTA_ENFORCED = "ProjectQuotaEnforced";

    public static final String REASON_INVALID_SPEC = "InvalidSpec";
    public static final String REASON_VALID = "Valid";
    public static final String REASON_ALL_TARGETS_READY = "AllTargetsReady";
    public static final String REASON_TARGETS_NOT_READY = "TargetsNotReady";
    public static final String REASON_SERVER_LOST = "ServerNotReady";
    public static final String REASON_ALL_SERVERS_READY = "AllServersReady";
    public static final String REASON_ENFORCED = "Enforced";
    public static final String REASON_MGS_REFUSED = "MgsRefused";
}
