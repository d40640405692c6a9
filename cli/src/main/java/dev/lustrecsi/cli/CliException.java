package dev.lustrecsi.cli;

/** A failure to report as one line on stderr ({@code error: ...}) with a specific {@link ExitCode}. */
public final class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    static CliException notFound(String namespace, String name) {
        return new CliException(
                ExitCode.NOT_FOUND, "lustrefilesystem \"" + name + "\" not found in namespace \"" + namespace + "\"");
    }
}
