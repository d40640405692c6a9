package dev.lustrecsi.node;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.JobIdCommands;
import dev.lustrecsi.lustre.ToolPaths;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lustre jobstats job ids for pods. Lustre has no per-mount job id: {@code jobid_var} and {@code
 * jobid_name} are node-wide, and {@code %h}/{@code %H} expand to the node's (not the container's)
 * hostname. What does reach into containers is the per-process environment: with {@code
 * jobid_var=LUSTRE_JOBID} the client tags every request with the calling process's {@code LUSTRE_JOBID},
 * which a pod sets from the downward API ({@code $(POD_NAMESPACE)/$(POD_NAME)}); processes without it
 * fall back to {@code jobid_name} ({@code %e.%u}: executable and uid). {@code session} (2.13+) would need
 * a process inside the pod's session to write {@code jobid_this_session}, which the plugin cannot.
 * Applied once the client modules are loaded (the parameters exist only then).
 */
public final class JobIdSetup {
    private static final Logger LOG = LoggerFactory.getLogger(JobIdSetup.class);
    public static final String DEFAULT_VAR = "LUSTRE_JOBID";
    public static final String DEFAULT_NAME = "%e.%u";

    private final CommandRunner runner;
    private final JobIdCommands commands;
    private final Optional<String> var;
    private final String name;
    private final Duration bound;

    /** @param var the environment variable to take job ids from; empty: leave the node's settings alone */
    public JobIdSetup(CommandRunner runner, ToolPaths tools, Optional<String> var, String name, Duration bound) {
        this.runner = runner;
        this.commands = new JobIdCommands(tools);
        // Checked now, so a bad flag stops the plugin at start rather than at first readiness.
        var.ifPresent(commands::setJobIdVar);
        commands.setJobIdName(name);
        this.var = var;
        this.name = name;
        this.bound = bound;
    }

    /** Sets jobid_var and jobid_name; true when done (or nothing to do), false to try again later. */
    public boolean apply() {
        if (var.isEmpty()) {
            return true;
        }
        for (var argv : java.util.List.of(commands.setJobIdVar(var.get()), commands.setJobIdName(name))) {
            CommandResult r = runner.run(argv, bound);
            if (!r.succeeded()) {
                LOG.warn("cannot set Lustre job id parameters yet: {}", r.describe());
                return false;
            }
        }
        LOG.info("Lustre jobstats: job id from each process's {} (pods: namespace/pod), else {}", var.get(), name);
        return true;
    }
}
