package dev.lustrecsi.lustre.mount;

import java.time.Duration;

/** The kernel or a mount helper did not answer within its bound: typically servers that are gone. */
public class MountTimeoutException extends MountException {
    private final Duration bound;

    public MountTimeoutException(String what, Duration bound) {
        super(what + " did not finish within " + bound.toMillis() + " ms (servers not answering?)");
        this.bound = bound;
    }

    public Duration bound() {
        return bound;
    }
}
