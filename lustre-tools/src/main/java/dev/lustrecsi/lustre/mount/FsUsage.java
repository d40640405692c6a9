package dev.lustrecsi.lustre.mount;

/**
 * Capacity of a mounted filesystem as statfs(2) reports it. For a Lustre fileset with a project quota
 * the client reports the quota as the filesystem's size, which is what a volume's user should see.
 */
public record FsUsage(long totalBytes, long freeBytes, long availableBytes, long totalInodes, long freeInodes) {

    public long usedBytes() {
        return Math.max(0, totalBytes - freeBytes);
    }

    public long usedInodes() {
        return Math.max(0, totalInodes - freeInodes);
    }
}
