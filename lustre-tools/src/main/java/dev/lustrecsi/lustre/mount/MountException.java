package dev.lustrecsi.lustre.mount;

import java.util.OptionalInt;

/**
 * A mount, unmount or statfs failed; the message says what, where and why (errno text or tool output), and
 * {@link #kind()} says what sort of failure it is, so callers can answer with an error a user can act on.
 */
public class MountException extends RuntimeException {

    /** What went wrong, as far as the errno of the failed call tells. */
    public enum Kind {
        /** The request cannot work as asked: bad source, options or name (EINVAL, ENAMETOOLONG). Retrying is useless. */
        INVALID_REQUEST,
        /** The filesystem or fileset directory does not exist on the servers (ENOENT). */
        NOT_FOUND,
        /** The servers did not answer or cannot be reached (ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EIO). */
        SERVERS_UNREACHABLE,
        /** The mount point is in use (EBUSY): a process still holds it. */
        BUSY,
        /** Already mounted there (EEXIST): typically a concurrent call that got there first. */
        ALREADY_MOUNTED,
        /** Anything else. */
        OTHER
    }

    private final Kind kind;
    private final OptionalInt errno;

    public MountException(String message) {
        this(message, Kind.OTHER, OptionalInt.empty());
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
        this.kind = Kind.OTHER;
        this.errno = OptionalInt.empty();
    }

    public MountException(String message, Kind kind, OptionalInt errno) {
        super(message);
        this.kind = kind;
        this.errno = errno;
    }

    public Kind kind() {
        return kind;
    }

    /** The errno of the failed call, when one is known (mount.lustre's exit code is the errno of mount(2)). */
    public OptionalInt errno() {
        return errno;
    }

    /** The kind of failure an errno means for a Lustre mount (errno values of Linux, asm-generic/errno*.h). */
    public static Kind kindOf(int errno) {
        return switch (errno) {
            case 22, 36 -> Kind.INVALID_REQUEST; // EINVAL, ENAMETOOLONG
            case 2 -> Kind.NOT_FOUND; // ENOENT
            case 5, 101, 110, 111, 113 ->
                Kind.SERVERS_UNREACHABLE; // EIO, ENETUNREACH, ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH
            case 16 -> Kind.BUSY; // EBUSY
            case 17 -> Kind.ALREADY_MOUNTED; // EEXIST
            default -> Kind.OTHER;
        };
    }
}
