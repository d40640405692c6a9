package dev.lustrecsi.lustre;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Command lines of Lustre's jobstats job-id settings on a client node: {@code lctl set_param
 * jobid_var=...} and {@code jobid_name=...}. Both are node-wide (one value for every mount of every
 * filesystem on the node), not per mount: Lustre has no per-mount job id.
 * <ul>
 *   <li>{@code jobid_var}: {@code disable}, {@code procname_uid}, {@code nodelocal}, {@code session}
 *       (2.13+), or the name of an environment variable the kernel reads from each calling process;</li>
 *   <li>{@code jobid_name}: a format ({@code %e} executable, {@code %g} gid, {@code %h} node hostname,
 *       {@code %H} short hostname, {@code %j} job id from jobid_var, {@code %p} pid, {@code %u} uid) used for
 *       {@code nodelocal}, and as the fallback for processes whose environment lacks the variable.</li>
 * </ul>
 */
public final class JobIdCommands {
    /** Longest job id Lustre keeps (LUSTRE_JOBID_SIZE is 32 bytes with the terminating NUL). */
    public static final int MAX_JOB_ID_BYTES = 31;

    private static final Pattern VAR =
            Pattern.compile("disable|procname_uid|nodelocal|session|[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9%._:/@+-]{1,31}");

    private final ToolPaths tools;

    public JobIdCommands(ToolPaths tools) {
        this.tools = tools;
    }

    /** {@code lctl set_param jobid_var=<var>}. */
    public List<String> setJobIdVar(String var) {
        if (var == null || !VAR.matcher(var).matches()) {
            throw new IllegalArgumentException("invalid jobid_var '" + var
                    + "': expected disable, procname_uid, nodelocal, session or an environment variable name");
        }
        return List.of(tools.lctl(), "set_param", "jobid_var=" + var);
    }

    /** {@code lctl set_param jobid_name=<format>}. */
    public List<String> setJobIdName(String format) {
        if (format == null || !NAME.matcher(format).matches()) {
            throw new IllegalArgumentException("invalid jobid_name '" + format
                    + "': at most 31 characters of letters, digits, %._:/@+- and no spaces");
        }
        return List.of(tools.lctl(), "set_param", "jobid_name=" + format);
    }

    /** {@code lctl get_param -n jobid_var jobid_name}: the two current values, one per line. */
    public List<String> show() {
        return List.of(tools.lctl(), "get_param", "-n", "jobid_var", "jobid_name");
    }
}
