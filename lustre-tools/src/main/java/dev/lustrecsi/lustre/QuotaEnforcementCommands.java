package dev.lustrecsi.lustre;

import java.util.List;
import java.util.Objects;

/**
 * Turning project-quota enforcement on for a whole filesystem, run on the MGS. Lustre always accounts usage,
 * but enforces limits only for the quota types named in {@code <fs>.quota.ost} / {@code <fs>.quota.mdt}
 * (Lustre Operations Manual, "Enabling Disk Quotas": {@code lctl conf_param fsname.quota.ost|mdt=u|g|p|ugp|none}).
 * Without it a PVC's project limit is set and shown by {@code df}, yet one PVC can fill the pool. conf_param is
 * recorded in the filesystem's configuration log, so targets that join later get it too; both lines exit 0 with
 * no output when repeated (real 2.17.0 transcripts 068-071), so re-running them is safe.
 */
public final class QuotaEnforcementCommands {
    /** Project quotas only: the CSI driver limits volumes by project; user and group limits are the admin's. */
    public static final String PROJECT = "p";

    private final ToolPaths paths;

    public QuotaEnforcementCommands(ToolPaths paths) {
        this.paths = Objects.requireNonNull(paths);
    }

    /** {@code lctl conf_param <fs>.quota.ost=p} and {@code lctl conf_param <fs>.quota.mdt=p}. */
    public List<List<String>> enforceProjectQuota(FsName fs) {
        Objects.requireNonNull(fs);
        return List.of(
                List.of(paths.lctl(), "conf_param", fs + ".quota.ost=" + PROJECT),
                List.of(paths.lctl(), "conf_param", fs + ".quota.mdt=" + PROJECT));
    }
}
