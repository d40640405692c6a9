package dev.lustrecsi.provisioner.metrics;

import dev.lustrecsi.model.LustreFileSystem;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;

/** The LustreFileSystems that gauges computed at scrape time report on. */
final class ScrapedFileSystems {
    private ScrapedFileSystems() {}

    /** Read fresh from the API; none when it cannot be read, so the scrape still succeeds (counters stay good). */
    static List<LustreFileSystem> listOrNone(Supplier<List<LustreFileSystem>> filesystems, Logger log, String what) {
        try {
            return filesystems.get();
        } catch (RuntimeException e) {
            log.warn("cannot list LustreFileSystems for {}: {}", what, e.getMessage());
            return List.of();
        }
    }
}
