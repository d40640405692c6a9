package dev.lustrecsi.csi;

import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which volumes a node has mounted, as its node plugin records them on its own Node object (annotation
 * {@link #ANNOTATION}) and as the controller reads them before DeleteVolume: the Lustre filesets
 * ({@code /<fsName>} or {@code /<fsName>/<subdir>}) of the Lustre mounts in the node's kubelet directory, the
 * same string the mount table shows for the mount (a fileset is what a node can know of a volume from its
 * mount table alone; see docs/decisions/0006-volumes-in-use-on-the-node-object.md). The value is the sorted
 * filesets separated by commas: neither an fsname nor a volume directory can contain one (VolumeId).
 */
public final class StagedFilesets {
    /** The annotation on a Node listing the filesets its node plugin has staged or published. */
    public static final String ANNOTATION = DriverNames.DRIVER_NAME + "/staged-filesets";

    private StagedFilesets() {}

    /**
     * The fileset a volume is mounted as: {@code /<fsName>} for a whole filesystem, else {@code /<fsName>/<subdir>}.
     */
    public static String of(VolumeId id) {
        return "/" + id.fsName() + (id.isWholeFilesystem() ? "" : "/" + id.subdir());
    }

    /**
     * Whether a mount of {@code staged} keeps the volume {@code id} in use: the same fileset, or, for a whole
     * filesystem, any directory in it (deleting a dedicated filesystem deletes every directory in it).
     */
    public static boolean uses(String staged, VolumeId id) {
        String fileset = of(id);
        return staged.equals(fileset) || (id.isWholeFilesystem() && staged.startsWith(fileset + "/"));
    }

    /** Whether a mount table fileset is one a volume of this driver can have (so it may be recorded). */
    public static boolean isVolumeFileset(String fileset) {
        if (!fileset.startsWith("/")) {
            return false;
        }
        String[] parts = fileset.substring(1).split("/", -1);
        if (parts.length > 2) {
            return false;
        }
        try {
            VolumeId.external(parts[0], parts.length == 2 ? parts[1] : "");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The annotation value for these filesets: sorted, each once, separated by commas. */
    public static String format(Collection<String> filesets) {
        return String.join(",", new TreeSet<>(filesets));
    }

    /** The filesets an annotation value lists; unrecognisable entries are kept as they are (they block nothing). */
    public static SortedSet<String> parse(String value) {
        SortedSet<String> out = new TreeSet<>();
        if (value == null) {
            return out;
        }
        for (String entry : value.split(",")) {
            String trimmed = entry.strip();
            if (!trimmed.isEmpty()) {
                out.add(trimmed);
            }
        }
        return out;
    }
}
