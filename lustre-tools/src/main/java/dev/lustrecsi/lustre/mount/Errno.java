package dev.lustrecsi.lustre.mount;

/** errno values as people read them in logs. */
final class Errno {
    private Errno() {}

    static String describe(int errno) {
        String text;
        try {
            text = LibC.load().strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            text = "error";
        }
        return text + " (errno " + errno + ")";
    }
}
