package dev.lustrecsi.provisioner.iostats;

import dev.lustrecsi.lustre.JobStats;

/**
 * The I/O one job id did on one target, from its jobstats counters: bytes and requests read and written (OSTs,
 * and MDTs with Data-on-MDT) and metadata operations (MDTs). Cumulative, like the counters it comes from.
 */
public record JobIo(long readBytes, long writeBytes, long readOps, long writeOps, long metadataOps) {
    public static final JobIo ZERO = new JobIo(0, 0, 0, 0, 0);

    public static JobIo of(JobStats.Entry e) {
        return new JobIo(
                e.sum("read_bytes"),
                e.sum("write_bytes"),
                e.samples("read_bytes"),
                e.samples("write_bytes"),
                e.metadataOps());
    }

    public JobIo plus(JobIo o) {
        return new JobIo(
                readBytes + o.readBytes,
                writeBytes + o.writeBytes,
                readOps + o.readOps,
                writeOps + o.writeOps,
                metadataOps + o.metadataOps);
    }

    /**
     * What happened since {@code before} was read. Lustre drops a job's entry after {@code job_cleanup_interval}
     * without activity and starts it again from zero; a counter that went down therefore counts from zero.
     */
    public JobIo since(JobIo before) {
        return new JobIo(
                delta(readBytes, before.readBytes),
                delta(writeBytes, before.writeBytes),
                delta(readOps, before.readOps),
                delta(writeOps, before.writeOps),
                delta(metadataOps, before.metadataOps));
    }

    public boolean isZero() {
        return equals(ZERO);
    }

    private static long delta(long now, long before) {
        return now >= before ? now - before : now;
    }
}
