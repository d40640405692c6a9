package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.OstDrainCommands;
import dev.lustrecsi.lustre.ServerBootCommands;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.topology.Topology;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Empties one OST before its server is removed, one observable step per call (each step's outcome is kept
 * in the target's state in the status, so a restarted operator resumes): stop new objects on it from every
 * MDT → migrate the files that have objects on it → when {@code lfs find} finds none, deactivate it on the
 * MGS. It never declares an OST drained while {@code lfs find} lists a file or cannot run.
 */
final class OstDrainer {
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    static final int MIGRATE_BATCH = 64;

    private final ServerCommandExecutor executor;
    private final EventRecorder events;
    private final OstDrainCommands drain = new OstDrainCommands(ToolPaths.standard());
    private final ServerBootCommands boot = new ServerBootCommands(ToolPaths.standard());
    private final MdtCreateCounts createCounts;

    OstDrainer(ServerCommandExecutor executor, EventRecorder events) {
        this.executor = executor;
        this.events = events;
        this.createCounts = new MdtCreateCounts(executor);
    }

    static String clientMount(FsName fs) {
        return "/lustre/client/" + fs;
    }

    /** Advances the drain of one OST by one step; returns true if something was done. */
    boolean step(LustreFileSystem fs, Topology topology, MgsNids mgs, TargetStatus ost) {
        String ns = fs.getMetadata().getNamespace();
        FsName fsName = topology.fsName();
        int index = ost.getIndex();
        String name = ost.getName();
        if (ost.getState() == TargetState.Drained) {
            return false;
        }
        if (ost.getState() != TargetState.Draining) {
            var refused = createCounts.set(ns, topology, index, 0, TIMEOUT);
            if (refused.isPresent()) {
                events.warning(
                        fs,
                        EventReason.DrainFailed,
                        "could not stop new objects on " + name + ": "
                                + refused.get().result().describe());
                return false;
            }
            ost.setState(TargetState.Draining);
            events.normal(
                    fs,
                    EventReason.DrainingOst,
                    name + ": no new objects (max_create_count=0 on every MDT); migrating its files");
            return true;
        }
        String mds0 = topology.firstMds().name();
        if (!ensureClientMount(fs, mds0, mgs, fsName)) {
            return false;
        }
        CommandResult found =
                executor.exec(ns, mds0, drain.findFilesOnOst(fsName, index, clientMount(fsName)), TIMEOUT);
        if (!found.succeeded()) {
            events.warning(fs, EventReason.DrainFailed, "could not list files on " + name + ": " + found.describe());
            return false;
        }
        List<String> files = Arrays.stream(found.stdout().split("\n"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        if (!files.isEmpty()) {
            List<String> batch = files.subList(0, Math.min(MIGRATE_BATCH, files.size()));
            CommandResult migrated = executor.exec(ns, mds0, drain.migrate(batch), TIMEOUT);
            if (migrated.succeeded()) {
                events.normal(
                        fs,
                        EventReason.MigratedFiles,
                        "migrated " + batch.size() + " of " + files.size() + " files off " + name);
            } else {
                events.warning(
                        fs,
                        EventReason.MigrationFailed,
                        name + " still holds objects of " + files.size() + " files; will retry: " + brief(migrated));
            }
            return true;
        }
        CommandResult deactivated =
                executor.exec(ns, topology.mgsServer().name(), drain.deactivatePermanently(fsName, index), TIMEOUT);
        if (!deactivated.succeeded()) {
            events.warning(fs, EventReason.DrainFailed, "could not deactivate " + name + ": " + deactivated.describe());
            return false;
        }
        ost.setState(TargetState.Drained);
        events.normal(fs, EventReason.OstDrained, name + " holds no objects and is deactivated");
        return true;
    }

    /** The exit status and the first lines of stderr: a migrate command line can list many files. */
    private static String brief(CommandResult r) {
        String err = r.stderr().strip();
        if (err.length() > 300) {
            err = err.substring(0, 300) + "...";
        }
        return (r.timedOut() ? "timed out" : "exit " + r.exitCode()) + (err.isEmpty() ? "" : ": " + err);
    }

    /** Takes an OST being drained back into service: new objects allowed again on every MDT. */
    boolean cancel(LustreFileSystem fs, Topology topology, TargetStatus ost) {
        String ns = fs.getMetadata().getNamespace();
        var refused =
                createCounts.set(ns, topology, ost.getIndex(), OstDrainCommands.DEFAULT_MAX_CREATE_COUNT, TIMEOUT);
        if (refused.isPresent()) {
            events.warning(
                    fs,
                    EventReason.DrainCancelFailed,
                    "could not re-enable new objects on " + ost.getName() + ": "
                            + brief(refused.get().result()));
            return false;
        }
        ost.setState(TargetState.Ready);
        events.normal(
                fs, EventReason.DrainCancelled, ost.getName() + " takes new objects again (spec.ostCount was raised)");
        return true;
    }

    private boolean ensureClientMount(LustreFileSystem fs, String mds0, MgsNids mgs, FsName fsName) {
        String ns = fs.getMetadata().getNamespace();
        String dir = clientMount(fsName);
        if (executor.exec(ns, mds0, boot.isMounted(dir), TIMEOUT).succeeded()) {
            return true;
        }
        CommandResult mkdir = executor.exec(ns, mds0, List.of("mkdir", "-p", dir), TIMEOUT);
        CommandResult mount =
                mkdir.succeeded() ? executor.exec(ns, mds0, boot.mountClient(mgs, fsName, dir), TIMEOUT) : mkdir;
        if (!mount.succeeded()) {
            events.warning(
                    fs,
                    EventReason.DrainFailed,
                    "could not mount a client on " + mds0 + " for migration: " + mount.describe());
            return false;
        }
        return true;
    }
}
