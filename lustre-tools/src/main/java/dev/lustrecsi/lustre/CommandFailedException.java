package dev.lustrecsi.lustre;

/** An external tool exited non-zero or did not finish in its time bound. */
public class CommandFailedException extends RuntimeException {
    private final transient CommandResult result;

    public CommandFailedException(CommandResult result) {
        super(result.describe());
        this.result = result;
    }

    public CommandResult result() {
        return result;
    }
}
