package dev.lustrecsi.lustre.mount;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import java.util.regex.Pattern;

/**
 * The source of a Lustre client mount: {@code <mgs nids>:/<fsname>[/<subdir>]}, where a subdirectory
 * makes it a fileset mount that shows only that directory.
 */
public record LustreSource(MgsNids mgsNids, FsName fsName, String subdir) {
    private static final Pattern SUBDIR = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*");

    public LustreSource {
        subdir = subdir == null ? "" : subdir;
        if (!subdir.isEmpty() && (!SUBDIR.matcher(subdir).matches() || subdir.contains("..") || subdir.length() > 1024)) {
            throw new IllegalArgumentException("invalid fileset subdirectory '" + subdir + "'");
        }
    }

    public static LustreSource wholeFilesystem(MgsNids mgsNids, FsName fsName) {
        return new LustreSource(mgsNids, fsName, "");
    }

    /** {@code /<fsname>[/<subdir>]}: what {@link MountInfo#lustreFileset()} shows for a mount of this source. */
    public String fileset() {
        return "/" + fsName.value() + (subdir.isEmpty() ? "" : "/" + subdir);
    }

    /** Whether a mount shows this fileset (whatever NID spelling it was mounted with). */
    public boolean isMountedAs(MountInfo mount) {
        return mount.lustreFileset().map(fileset()::equals).orElse(false);
    }

    @Override
    public String toString() {
        return mgsNids + ":" + fileset();
    }
}
