package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatsTest {
    private final JobStatsCommands commands = new JobStatsCommands(ToolPaths.standard());

    @Test
    void readsPerTargetStatsWithWildcardParamsOnly() {
        FsName fs = new FsName("lfs1");
        assertThat(commands.ostJobStats(fs)).containsExactly("lctl", "get_param", "obdfilter.lfs1-OST*.job_stats");
        assertThat(commands.mdtJobStats(fs)).containsExactly("lctl", "get_param", "mdt.lfs1-MDT*.job_stats");
        assertThat(new StandbyOstCommands(ToolPaths.standard()).holdObjectCreation(fs, 10))
                .containsExactly("lctl", "set_param", "-P", "osp.lfs1-OST000a-osc-MDT*.max_create_count=0");
        assertThat(new StandbyOstCommands(ToolPaths.standard()).releaseObjectCreation(fs, 10))
                .containsExactly("lctl", "set_param", "-P", "-d", "osp.lfs1-OST000a-osc-MDT*.max_create_count");
    }

    @Test
    void parsesOstOutputOfSeveralTargetsAndJobs() {
        String out = """
                obdfilter.lfs1-OST0000.job_stats=
                job_stats:
                - job_id:          hpc/ior-0
                  snapshot_time:   1712345678.123456789 secs.nsecs
                  start_time:      1712345600.000000000 secs.nsecs
                  elapsed_time:    78.123456789 secs.nsecs
                  read_bytes:      { samples:          12, unit: bytes, min:    4096, max: 4194304, sum:         41943040, sumsq:     175921860444160 }
                  write_bytes:     { samples:           3, unit: bytes, min:    4096, max: 4194304, sum:          8392704, sumsq:      35184372088832 }
                  read:            { samples:          12, unit: usecs, min:      10, max:    900, sum:             2000, sumsq:             900000 }
                  getattr:         { samples:           1, unit: usecs, min:       5, max:      5, sum:                5, sumsq:                 25 }
                - job_id:          "odd job:id"
                  snapshot_time:   1409778251
                  write_bytes:     { samples: 1, unit: bytes, min: 10, max: 10, sum: 10 }
                obdfilter.lfs1-OST0001.job_stats=
                job_stats:
                obdfilter.lfs1-OST0002.job_stats=
                job_stats:
                - job_id:          hpc/ior-0
                  write_bytes:     { samples: 2, unit: bytes, min: 1, max: 1, sum: 2, sumsq: 2, hist: { 1: 2 } }
                """;
        List<JobStats.Entry> entries = JobStats.parse(out);
        assertThat(entries)
                .extracting(e -> e.target() + " " + e.jobId())
                .containsExactly("lfs1-OST0000 hpc/ior-0", "lfs1-OST0000 odd job:id", "lfs1-OST0002 hpc/ior-0");
        JobStats.Entry ior = entries.get(0);
        assertThat(ior.sum("read_bytes")).isEqualTo(41943040L);
        assertThat(ior.samples("read_bytes")).isEqualTo(12);
        assertThat(ior.sum("write_bytes")).isEqualTo(8392704L);
        assertThat(ior.counters().get("read").unit()).isEqualTo("usecs");
        assertThat(ior.sum("punch")).isZero();
        assertThat(entries.get(1).sum("write_bytes")).isEqualTo(10);
        assertThat(entries.get(2).samples("write_bytes")).isEqualTo(2);
        assertThat(entries.get(2).sum("write_bytes")).isEqualTo(2);
    }

    @Test
    void countsMetadataOperationsButNotDataOnMdtBytes() {
        String out = """
                mdt.lfs1-MDT0000.job_stats=
                job_stats:
                - job_id:          team/notebook-7
                  snapshot_time:   1749555518.685497069 secs.nsecs
                  open:            { samples:           4, unit: usecs, min:       80, max:      182, sum:              535, sumsq:              79601 }
                  close:           { samples:           3, unit: usecs, min:       38, max:       51, sum:              130, sumsq:               5726 }
                  mkdir:           { samples:           2, unit: usecs, min:       38, max:       51, sum:              130, sumsq:               5726 }
                  getattr:         { samples:           1, unit: usecs, min:       38, max:       51, sum:              130, sumsq:               5726 }
                  read_bytes:      { samples:           9, unit: bytes, min:     4096, max:     4096, sum:            36864, sumsq:                  0 }
                """;
        JobStats.Entry e = JobStats.parse(out).get(0);
        assertThat(e.target()).isEqualTo("lfs1-MDT0000");
        assertThat(e.metadataOps()).isEqualTo(10);
        assertThat(e.sum("read_bytes")).isEqualTo(36864);
    }

    @Test
    void emptyOrForeignOutputGivesNoEntries() {
        assertThat(JobStats.parse("")).isEmpty();
        assertThat(JobStats.parse("error: get_param: param_path 'obdfilter/*/job_stats': No such file or directory\n"))
                .isEmpty();
    }
}
