package dev.lustrecsi.node;

import dev.lustrecsi.lustre.mount.FsUsage;
import java.util.Optional;

/** A volume's usage (when its filesystem answered) and whether it is abnormal, with a message for the user. */
public record VolumeHealth(Optional<FsUsage> usage, boolean abnormal, String message) {

    static VolumeHealth abnormal(String message) {
        return new VolumeHealth(Optional.empty(), true, message);
    }
}
