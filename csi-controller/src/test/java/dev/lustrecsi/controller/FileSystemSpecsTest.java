package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.LustreFileSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FileSystemSpecsTest {
    private static final StorageClassParameters SHARED =
            StorageClassParameters.parse(Map.of("mode", "shared", "pool", "pool-a"));

    private static ControllerConfig config(Optional<String> diskClass) {
        return new ControllerConfig(
                "lustre-csi",
                Optional.of("registry.example.org/lustre-server-vm:2.15.5"),
                Optional.of("2.15.5"),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                25,
                ProjectIdAllocator.defaults(),
                Path.of("/pools"),
                Duration.ofSeconds(10),
                diskClass);
    }

    @Test
    void theControllersDiskStorageClassIsTheTargetDiskClassOfEveryFilesystemItCreates() {
        LustreFileSystem fs = FileSystemSpecs.build(
                "lustre-csi", "pool-a", "poola", "pool", 2, SHARED, config(Optional.of("ceph-block")), Map.of());
        assertThat(fs.getSpec().getStorageClassName()).isEqualTo("ceph-block");
    }

    @Test
    void withoutOneTheTargetDisksUseTheClustersDefaultClass() {
        LustreFileSystem fs = FileSystemSpecs.build(
                "lustre-csi", "pool-a", "poola", "pool", 2, SHARED, config(Optional.empty()), Map.of());
        assertThat(fs.getSpec().getStorageClassName()).isNull();
    }
}
