package dev.lustrecsi.lustre;

import java.util.List;

/** What one finished (or abandoned) invocation of an external tool produced. */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut) {

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }

    /** A one-line summary for logs and gRPC error messages; never includes stdin (which may carry secrets). */
    public String describe() {
        String why = timedOut ? "timed out" : "exit " + exitCode;
        String err = stderr.isBlank() ? stdout : stderr;
        err = err.strip();
        if (err.length() > 400) {
            err = err.substring(0, 400) + "...";
        }
        return String.join(" ", argv) + ": " + why + (err.isEmpty() ? "" : ": " + err);
    }
}
