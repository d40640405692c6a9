package dev.lustrecsi.lustre;

import java.util.List;
import java.util.stream.Collectors;

/**
 * POSIX shell quoting of an argument list, for the two places an argument list must travel as text: a boot
 * script written into a VM's cloud-init, and a command sent over ssh. Every word is single-quoted, so no
 * character in it is special to the shell.
 */
public final class ShellQuote {
    private ShellQuote() {}

    public static String word(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in shell word");
        }
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    public static String command(List<String> argv) {
        return argv.stream().map(ShellQuote::word).collect(Collectors.joining(" "));
    }
}
