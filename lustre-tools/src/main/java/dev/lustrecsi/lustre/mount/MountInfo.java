package dev.lustrecsi.lustre.mount;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One line of {@code /proc/self/mountinfo} (see proc(5)), with the octal escapes of paths decoded.
 *
 * @param mountId        unique id of the mount
 * @param parentId       id of the parent mount
 * @param device         {@code major:minor} of the filesystem
 * @param root           the directory of the filesystem that is mounted here ("/" for its root; a subdirectory
 *                       for a bind mount of one)
 * @param mountPoint     where it is mounted, relative to this process's root
 * @param mountOptions   per-mount options (ro/rw, nosuid, ...)
 * @param optionalFields propagation tags such as {@code shared:7}
 * @param fsType         filesystem type, e.g. {@code lustre}
 * @param source         mount source, e.g. {@code 10.0.0.1@tcp:/fs1}
 * @param superOptions   per-superblock options
 */
public record MountInfo(
        int mountId,
        int parentId,
        String device,
        String root,
        Path mountPoint,
        String mountOptions,
        List<String> optionalFields,
        String fsType,
        String source,
        String superOptions) {

    public MountInfo {
        optionalFields = List.copyOf(optionalFields);
    }

    /** Whether this mount is read-only (per-mount flag, as a read-only bind mount sets it). */
    public boolean readOnly() {
        return Arrays.asList(mountOptions.split(",")).contains("ro");
    }

    /**
     * The Lustre fileset this mount shows, {@code /<fsname>[/<subdir>]}, when its source is a Lustre
     * client source ({@code <nids>:/<fsname>[/<subdir>]}). A bind mount of a directory inside such a
     * mount keeps the source and names the directory in {@link #root()}, so both are combined; the
     * MGS NIDs are left out because one server can be named by several equivalent NID lists.
     */
    public Optional<String> lustreFileset() {
        int sep = source.indexOf(":/");
        if (sep <= 0 || !source.substring(0, sep).contains("@")) {
            return Optional.empty();
        }
        String fileset = source.substring(sep + 1);
        if (!"/".equals(root)) {
            fileset = fileset.replaceAll("/+$", "") + root;
        }
        return Optional.of(fileset.length() > 1 ? fileset.replaceAll("/+$", "") : fileset);
    }
}
