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
        if (!subdir.isEmpty()
                && (!SUBDIR.matcher(subdir).matches() || subdir.contains("..") || subdir.length() > 1024)) {
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

    /**
     * Whether a mount shows this fileset and was mounted from the same MGS NIDs (as a set: the order of failover
     * NIDs and the spelling tcp/tcp0 do not matter). An MGS that moved to other NIDs makes an old mount stale: its
     * client keeps talking to the old addresses.
     */
    public boolean isMountedFrom(MountInfo mount) {
        if (!isMountedAs(mount)) {
            return false;
        }
        int sep = mount.source().indexOf(":/");
        try {
            return nidSet(MgsNids.parse(mount.source().substring(0, sep))).equals(nidSet(mgsNids));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Every NID, with network number 0 written as LNet prints it (tcp0 is tcp). */
    private static java.util.Set<String> nidSet(MgsNids nids) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        nids.nodes()
                .forEach(node -> node.forEach(
                        n -> out.add(n.address() + "@" + n.network().replaceAll("(?<=\\D)0$", ""))));
        return out;
    }

    @Override
    public String toString() {
        return mgsNids + ":" + fileset();
    }
}
