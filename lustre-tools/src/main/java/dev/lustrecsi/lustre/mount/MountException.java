package dev.lustrecsi.lustre.mount;

/** A mount, unmount or statfs failed; the message says what, where and why (errno text or tool output). */
public class MountException extends RuntimeException {
    public MountException(String message) {
        super(message);
    }

    public MountException(String message, Throwable cause) {
        super(message, cause);
    }
}
