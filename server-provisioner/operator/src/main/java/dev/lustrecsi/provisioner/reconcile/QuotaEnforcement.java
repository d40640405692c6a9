package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.QuotaEnforcementCommands;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.topology.Topology;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Project-quota enforcement for a filesystem the operator built, turned on at bootstrap on the MGS. The other
 * half – root bound by project quota too ({@code root_prj_enable=1}) – is per target and set by each server's
 * boot script after it mounts the target. Idempotent: the caller records success in a condition and repeats
 * until then.
 */
final class QuotaEnforcement {
    static final Duration TIMEOUT = Duration.ofMinutes(1);

    private final ServerCommandExecutor executor;
    private final QuotaEnforcementCommands commands = new QuotaEnforcementCommands(ToolPaths.standard());

    QuotaEnforcement(ServerCommandExecutor executor) {
        this.executor = executor;
    }

    /** Empty when both settings were recorded; otherwise why not (the MGS's answer). */
    Optional<String> enforceProjectQuota(LustreFileSystem fs, Topology topology) {
        String ns = fs.getMetadata().getNamespace();
        for (List<String> argv : commands.enforceProjectQuota(topology.fsName())) {
            CommandResult r = executor.exec(ns, topology.mgsServer().name(), argv, TIMEOUT);
            if (!r.succeeded()) {
                return Optional.of(r.describe());
            }
        }
        return Optional.empty();
    }
}
