package dev.lustrecsi.node;

import dev.lustrecsi.lustre.mount.FsUsage;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.lustre.mount.MountInfo;
import dev.lustrecsi.lustre.mount.MountTimeoutException;
import dev.lustrecsi.lustre.mount.Mounter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Usage and condition of a mounted volume: the mount table says whether the volume is still mounted
 * where it should be; a statfs with a time bound says whether its servers answer and how full it is.
 */
public final class VolumeStatsReader {
    private final Mounter mounter;

    public VolumeStatsReader(Mounter mounter) {
        this.mounter = mounter;
    }

    /**
     * @param volumePath where the volume is published or staged
     * @param fileset    the Lustre fileset ({@code /<fsname>[/<subdir>]}) that should be mounted there
     */
    public VolumeHealth read(Path volumePath, String fileset) {
        Optional<MountInfo> mount = mounter.mountAt(volumePath);
        if (mount.isEmpty()) {
            return VolumeHealth.abnormal("the volume is not mounted at " + volumePath + " any more");
        }
        Optional<String> shown = mount.get().lustreFileset();
        if (!shown.map(fileset::equals).orElse(false)) {
            return VolumeHealth.abnormal(volumePath + " has " + shown.orElse(mount.get().fsType() + " " + mount.get().source())
                    + " mounted, not Lustre fileset " + fileset);
        }
        try {
            FsUsage usage = mounter.statfs(volumePath);
            return new VolumeHealth(Optional.of(usage), false, "mounted; Lustre servers answering");
        } catch (MountTimeoutException e) {
            return VolumeHealth.abnormal("Lustre servers not answering: " + e.getMessage());
        } catch (MountException e) {
            return VolumeHealth.abnormal("the mount is stale or broken: " + e.getMessage());
        }
    }
}
