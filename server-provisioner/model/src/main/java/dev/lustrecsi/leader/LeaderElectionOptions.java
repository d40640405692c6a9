package dev.lustrecsi.leader;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The leader-election flags of every process that campaigns for a Lease (the CSI controller and the operator),
 * spelled as the Kubernetes sidecars spell them; a command mixes them in with {@code @Mixin} and says in its own
 * description what only the leader does. Defaults are client-go's (15s/10s/2s).
 */
public final class LeaderElectionOptions {

    @Option(
            names = "--leader-election",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "do the leader's work only while holding the Lease, so that replicas never do it together;"
                    + " --no-leader-election for a single replica (default: ${DEFAULT-VALUE})")
    boolean enabled;

    @Option(
            names = "--leader-election-namespace",
            defaultValue = "${env:POD_NAMESPACE:-lustre-csi}",
            description = "namespace of the Lease (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(
            names = "--leader-election-lease-duration",
            defaultValue = "PT15S",
            description = "how long a Lease is valid after its last renewal: the longest a dead leader blocks the "
                    + "others (default: ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(
            names = "--leader-election-renew-deadline",
            defaultValue = "PT10S",
            description = "a leader that could not renew for this long gives up the leader's work; shorter than the "
                    + "lease duration (default: ${DEFAULT-VALUE})")
    Duration renewDeadline;

    @Option(
            names = "--leader-election-retry-period",
            defaultValue = "PT2S",
            description = "how often the Lease is renewed or tried (default: ${DEFAULT-VALUE})")
    Duration retryPeriod;

    /** Whether to campaign at all ({@code --no-leader-election}: this replica always leads). */
    public boolean enabled() {
        return enabled;
    }

    public String namespace() {
        return namespace;
    }

    public Leadership.Timing timing() {
        return new Leadership.Timing(leaseDuration, renewDeadline, retryPeriod);
    }
}
