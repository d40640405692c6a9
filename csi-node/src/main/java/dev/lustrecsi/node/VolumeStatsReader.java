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
 * where it should be; a statfs with a time bound says whether its servers answer and how full it is;
 * the client's import state ({@link ServerHealth}) says whether it lost some of its servers even when
 * statfs still answers (e.g. an OST gone while the MDT is up).
 */
public final class VolumeStatsReader {
    private final Mounter mounter;
    private final ServerHealth servers;

    public VolumeStatsReader(Mounter mounter, ServerHealth servers) {
        this.mounter = mounter;
        this.servers = servers;
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
            return VolumeHealth.abnormal(volumePath + " has "
                    + shown.orElse(mount.get().fsType() + " " + mount.get().source()) + " mounted, not Lustre fileset "
                    + fileset);
        }
        FsUsage usage;
        try {
            usage = mounter.statfs(volumePath);
        } catch (MountTimeoutException e) {
            return VolumeHealth.abnormal("Lustre servers not answering: " + e.getMessage()
                    + servers.problem(mount.get()).map(p -> "; " + p).orElse(""));
        } catch (MountException e) {
            return VolumeHealth.abnormal("the mount is stale or broken: " + e.getMessage());
        }
        Optional<String> problem = servers.problem(mount.get());
        if (problem.isPresent()) {
            return new VolumeHealth(Optional.of(usage), true, "the Lustre client " + problem.get());
        }
        return new VolumeHealth(Optional.of(usage), false, "mounted; Lustre servers answering");
    }
}
