package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.OstDrainCommands;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether the MDTs create new objects on an OST: its {@code max_create_count} on each MDT's osp device, set live
 * MDS by MDS (0 stops new objects, {@link OstDrainCommands#DEFAULT_MAX_CREATE_COUNT} allows them again). Draining
 * an OST and putting a standby one into service both go through here.
 */
final class MdtCreateCounts {
    /** The MDS that refused (or could not be reached) and what it answered. */
    record Refusal(ServerPlan mds, CommandResult result) {}

    private final ServerCommandExecutor executor;
    private final OstDrainCommands osp = new OstDrainCommands(ToolPaths.standard());

    MdtCreateCounts(ServerCommandExecutor executor) {
        this.executor = executor;
    }

    /** Sets the count on every MDS in turn; stops at the first that refuses, which it returns. */
    Optional<Refusal> set(String namespace, Topology topology, int ostIndex, int count, Duration timeout) {
        for (ServerPlan mds : topology.mdsServers()) {
            CommandResult r = executor.exec(
                    namespace,
                    mds.name(),
                    osp.setMaxCreateCount(topology.fsName(), ostIndex, mds.ordinal(), count),
                    timeout);
            if (!r.succeeded()) {
                return Optional.of(new Refusal(mds, r));
            }
        }
        return Optional.empty();
    }
}
