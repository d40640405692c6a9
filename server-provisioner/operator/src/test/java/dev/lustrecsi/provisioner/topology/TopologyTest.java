package dev.lustrecsi.provisioner.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.provisioner.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which OSS servers a filesystem has, read from the VMs that exist and the spec. */
class TopologyTest {
    @Test
    void existingOssVmsBeyondTheSpecAreKeptInThePlan() {
        Topology t = Topology.plan(Fixtures.tcp("lfs", 2), List.of("lfs-oss0", "lfs-oss1", "lfs-oss2"));
        assertThat(t.ossServers()).extracting(ServerPlan::name).containsExactly("lfs-oss0", "lfs-oss1", "lfs-oss2");
    }

    @Test
    void aVmWhoseNumberNoOrdinalCanHoldIsNotTakenForAnOssOfTheFilesystem() {
        // Before: Integer.parseInt threw NumberFormatException and the whole reconcile of "lfs" failed.
        Topology t = Topology.plan(Fixtures.tcp("lfs", 1), List.of("lfs-oss0", "lfs-oss99999999999"));
        assertThat(t.ossServers()).extracting(ServerPlan::name).containsExactly("lfs-oss0");
    }
}
