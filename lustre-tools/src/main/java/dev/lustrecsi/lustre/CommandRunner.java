package dev.lustrecsi.lustre;

import java.time.Duration;
import java.util.List;

/**
 * Runs an external program from an argument list (never through a shell) within a time bound.
 * An interface so callers can be tested against a recording runner, while production always uses
 * {@link ProcessCommandRunner}.
 */
public interface CommandRunner {

    CommandResult run(List<String> argv, Duration timeout);

    /** Runs and throws {@link CommandFailedException} unless the tool exited 0 in time. */
    default CommandResult runChecked(List<String> argv, Duration timeout) {
        CommandResult result = run(argv, timeout);
        if (!result.succeeded()) {
            throw new CommandFailedException(result);
        }
        return result;
    }
}
