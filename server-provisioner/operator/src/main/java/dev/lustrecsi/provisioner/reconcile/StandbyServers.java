package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.OstDrainCommands;
import dev.lustrecsi.lustre.StandbyOstCommands;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import java.time.Duration;
import java.util.Optional;

/**
 * The Lustre side of warm standby OSSs. A standby OSS mounts its OSTs with {@code no_precreate}, so they never
 * receive an object while on standby although they are formatted, mounted and registered; before it is created
 * the MGS also records {@code max_create_count=0} for its OSTs ({@code set_param -P}), which holds them on an MDS
 * that restarts (see {@link StandbyOstCommands} for why that record alone misses OSPs created later). Putting
 * one into service allows object creation on each MDS at once ({@link MdtCreateCounts}) and deletes the
 * persistent hold: from then on the OSTs are ordinary ones. Both steps are idempotent; the caller keeps the
 * standby mark in the status until the second one succeeded.
 */
final class StandbyServers {
    static final Duration TIMEOUT = Duration.ofMinutes(1);

    private final ServerCommandExecutor executor;
    private final EventRecorder events;
    private final StandbyOstCommands standby = new StandbyOstCommands(ToolPaths.standard());
    private final MdtCreateCounts createCounts;

    StandbyServers(ServerCommandExecutor executor, EventRecorder events) {
        this.executor = executor;
        this.events = events;
        this.createCounts = new MdtCreateCounts(executor);
    }

    /**
     * On the MGS, for every OST of {@code server}: hold object creation. False if the MGS refused or is unreachable.
     */
    boolean holdObjectCreation(LustreFileSystem fs, Topology topology, ServerPlan server) {
        String ns = fs.getMetadata().getNamespace();
        for (TargetPlan t : server.targets()) {
            CommandResult r = executor.exec(
                    ns, topology.mgsServer().name(), standby.holdObjectCreation(topology.fsName(), t.index()), TIMEOUT);
            if (!r.succeeded()) {
                events.warning(
                        fs,
                        EventReason.StandbyHoldFailed,
                        "not creating standby " + server.name() + ": the MGS did not record max_create_count=0 for "
                                + t.name() + ": " + r.describe());
                return false;
            }
        }
        return true;
    }

    /**
     * Checks on a standby OSS that just became ready that each of its OSTs refuses object creation (mounted with
     * {@code no_precreate}); holds any that does not, live. False when the OSS could not be asked or held.
     */
    boolean verifyHold(LustreFileSystem fs, Topology topology, ServerPlan server) {
        String ns = fs.getMetadata().getNamespace();
        for (TargetPlan t : server.targets()) {
            CommandResult r =
                    executor.exec(ns, server.name(), standby.creationHeld(topology.fsName(), t.index()), TIMEOUT);
            if (r.succeeded() && r.stdout().strip().equals("1")) {
                continue;
            }
            CommandResult hold =
                    executor.exec(ns, server.name(), standby.holdCreation(topology.fsName(), t.index()), TIMEOUT);
            events.warning(
                    fs,
                    EventReason.StandbyHoldMissing,
                    t.name() + " on standby " + server.name() + " took object creation ("
                            + (r.succeeded() ? "no_precreate=" + r.stdout().strip() : r.describe()) + "); "
                            + (hold.succeeded() ? "held it now" : "could not hold it: " + hold.describe()));
            if (!hold.succeeded()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Object creation on every MDT for the server's OSTs (when the server is up: the MDTs' osp devices for its OSTs
     * exist only then), then the persistent hold deleted on the MGS. True when both are done.
     */
    boolean putIntoService(LustreFileSystem fs, Topology topology, ServerPlan server, boolean serverReady) {
        String ns = fs.getMetadata().getNamespace();
        for (TargetPlan t : server.targets()) {
            if (serverReady) {
                // The OST's own hold first (it was mounted with no_precreate), then each MDT's osp device.
                CommandResult own =
                        executor.exec(ns, server.name(), standby.allowCreation(topology.fsName(), t.index()), TIMEOUT);
                Optional<String> refused = own.succeeded()
                        ? createCounts
                                .set(ns, topology, t.index(), OstDrainCommands.DEFAULT_MAX_CREATE_COUNT, TIMEOUT)
                                .map(f -> "from " + f.mds().name() + ": "
                                        + f.result().describe())
                        : Optional.of("on " + server.name() + ": " + own.describe());
                if (refused.isPresent()) {
                    events.warning(
                            fs,
                            EventReason.StandbyPromotionFailed,
                            "could not allow new objects on " + t.name() + " " + refused.get());
                    return false;
                }
            }
            CommandResult r = executor.exec(
                    ns,
                    topology.mgsServer().name(),
                    standby.releaseObjectCreation(topology.fsName(), t.index()),
                    TIMEOUT);
            if (!r.succeeded()) {
                events.warning(
                        fs,
                        EventReason.StandbyPromotionFailed,
                        "could not delete the standby hold of " + t.name() + " on the MGS: " + r.describe());
                return false;
            }
        }
        events.normal(
                fs,
                EventReason.StandbyPromoted,
                server.name() + " put into service ("
                        + String.join(
                                ", ",
                                server.targets().stream().map(TargetPlan::name).toList()) + ")"
                        + (serverReady ? ": its OSTs take new objects now" : "; it was still booting"));
        return true;
    }
}
