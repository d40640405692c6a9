package dev.lustrecsi.lustre;

import java.util.List;
import java.util.Objects;

/**
 * Command lines that read Lustre jobstats on servers (Lustre Operations Manual, "Lustre Jobstats"): per job id,
 * counters of the requests each target served. Run on an OSS for its OSTs and on an MDS for its MDTs; the
 * output is parsed by {@link JobStats}.
 */
public final class JobStatsCommands {
    private final ToolPaths paths;

    public JobStatsCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** {@code lctl get_param obdfilter.<fs>-OST*.job_stats}: data I/O per job on this server's OSTs. */
    public List<String> ostJobStats(FsName fs) {
        return List.of(paths.lctl(), "get_param", "obdfilter." + fs + "-OST*.job_stats");
    }

    /** {@code lctl get_param mdt.<fs>-MDT*.job_stats}: metadata operations per job on this server's MDTs. */
    public List<String> mdtJobStats(FsName fs) {
        return List.of(paths.lctl(), "get_param", "mdt." + fs + "-MDT*.job_stats");
    }
}
