package dev.lustrecsi.lustre;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the Lustre and mount tools live. Production uses the standard names resolved on PATH;
 * a test or an unusual host image may point any of them elsewhere (e.g. stand-ins in a fixture
 * directory) without changing the command lines themselves.
 */
public record ToolPaths(
        String mount, String umount, String lfs, String lctl, String lnetctl, String modprobe, String mkfsLustre) {

    public ToolPaths {
        Objects.requireNonNull(mount);
        Objects.requireNonNull(umount);
        Objects.requireNonNull(lfs);
        Objects.requireNonNull(lctl);
        Objects.requireNonNull(lnetctl);
        Objects.requireNonNull(modprobe);
        Objects.requireNonNull(mkfsLustre);
    }

    public static ToolPaths standard() {
        return new ToolPaths("mount", "umount", "lfs", "lctl", "lnetctl", "modprobe", "mkfs.lustre");
    }

    /** The system's mount and umount from PATH, the Lustre tools from {@code dir} (a tools volume, or stand-ins). */
    public static ToolPaths lustreToolsIn(Path dir) {
        ToolPaths all = in(dir);
        return new ToolPaths("mount", "umount", all.lfs(), all.lctl(), all.lnetctl(), all.modprobe(), all.mkfsLustre());
    }

    /** Every tool looked up in one directory (a host image with tools outside PATH, or tests). */
    public static ToolPaths in(Path dir) {
        return new ToolPaths(
                dir.resolve("mount").toString(),
                dir.resolve("umount").toString(),
                dir.resolve("lfs").toString(),
                dir.resolve("lctl").toString(),
                dir.resolve("lnetctl").toString(),
                dir.resolve("modprobe").toString(),
                dir.resolve("mkfs.lustre").toString());
    }
}
