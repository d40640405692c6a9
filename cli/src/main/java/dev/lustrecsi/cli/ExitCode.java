package dev.lustrecsi.cli;

/**
 * Exit statuses a shell script can branch on. They are part of the CLI's interface (listed in
 * {@code kubectl lustre --help}); never renumber them.
 */
public final class ExitCode {
    /** Done: the change was accepted (and, with --wait, completed). */
    public static final int OK = 0;
    /** The API server failed or refused the request, or the operator reported that it cannot do it. */
    public static final int FAILED = 1;
    /** Invalid command line or filesystem spec; nothing was changed. */
    public static final int USAGE = 2;
    /** The LustreFileSystem does not exist. */
    public static final int NOT_FOUND = 3;
    /** Refused: it already exists, or it is still used by PVCs (delete without --force). */
    public static final int REFUSED = 4;
    /** --wait / wait gave up after --timeout; the change goes on in the cluster. */
    public static final int TIMEOUT = 5;

    static final String HELP = """
            Exit codes:
              0  done (with --wait: the filesystem reached the state asked for)
              1  the API server or the operator failed the request
              2  invalid arguments or filesystem spec; nothing was changed
              3  no such LustreFileSystem
              4  refused: already exists, or still used by PVCs (delete without --force)
              5  timed out waiting; the change continues in the cluster""";

    private ExitCode() {}
}
