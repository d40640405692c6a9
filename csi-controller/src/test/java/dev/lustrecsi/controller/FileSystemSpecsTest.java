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

    @Test
    void aPoolIsSettledOnlyWhenEveryOstItAsksForIsInServiceAndNoneIsStillDraining() {
        LustreFileSystem fs = FileSystemSpecs.build(
                "lustre-csi", "pool-a", "poola", "pool", 4, SHARED, config(Optional.empty()), Map.of());
        // No status yet: the operator has reported nothing, so nothing is lowered.
        fs.setStatus(null);
        assertThat(FileSystemSpecs.scaleSettled(fs)).isFalse();
        fs.setStatus(new dev.lustrecsi.model.LustreFileSystemStatus());
        fs.getStatus().setActiveOsts(2);
        fs.getStatus().setReadyOsts(2);
        // Growth to 4 not yet planned by the operator, then planned but its servers still booting.
        assertThat(FileSystemSpecs.scaleSettled(fs)).isFalse();
        fs.getStatus().setActiveOsts(4);
        assertThat(FileSystemSpecs.scaleSettled(fs)).isFalse();
        fs.getStatus().setReadyOsts(4);
        assertThat(FileSystemSpecs.scaleSettled(fs)).isTrue();
        // A scale-in to 4 still emptying an OST (lfs migrate running), then waiting for its server's removal.
        dev.lustrecsi.model.TargetStatus ost = new dev.lustrecsi.model.TargetStatus(
                "poola-OST0004", dev.lustrecsi.model.TargetKind.OST, 4, "s", "d", 1);
        ost.setState(dev.lustrecsi.model.TargetState.Draining);
        fs.getStatus().getTargets().add(ost);
        assertThat(FileSystemSpecs.scaleSettled(fs)).isFalse();
        ost.setState(dev.lustrecsi.model.TargetState.Drained);
        assertThat(FileSystemSpecs.scaleSettled(fs)).isFalse();
        // Its server removed, its target gone from the status: settled.
        fs.getStatus().getTargets().clear();
        assertThat(FileSystemSpecs.scaleSettled(fs)).isTrue();
    }
}
