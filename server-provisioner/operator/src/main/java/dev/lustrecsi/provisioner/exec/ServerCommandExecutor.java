package dev.lustrecsi.provisioner.exec;

import dev.lustrecsi.lustre.CommandResult;
import java.time.Duration;
import java.util.List;

/**
 * Runs a command line inside a server VM (as root), e.g. {@code lctl} on the MGS or {@code lfs migrate} on the
 * MDS's client mount. Production uses {@link VirtctlSshExecutor}; tests use a simulated Lustre.
 */
public interface ServerCommandExecutor {

    /** Never throws for a failed command: a non-zero exit or an unreachable VM is a failed {@link CommandResult}. */
    CommandResult exec(String namespace, String vmName, List<String> argv, Duration timeout);
}
