package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.controller.VolumeRecord;
import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.TypedLocalObjectReferenceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A claim whose {@code dataSource} is another claim, provisioned by the real external-provisioner (v5.3.0) on the
 * real control plane: the provisioner checks the source claim and passes its PV's volume handle as the
 * CreateVolume {@code volume_content_source}; the driver copies the source's tree into a new volume of the pool.
 * Only on the real control plane (the harness's own provisioner does not implement data sources); skipped, saying
 * why, where its binaries are not installed.
 */
class CloneFromClaimTest {
    private static LocalCluster cluster;
    private static Story story;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(
                dev.lustrecsi.testing.kube.ControlPlane.unavailableReason().isEmpty(),
                "no real control plane here: "
                        + dev.lustrecsi.testing.kube.ControlPlane.unavailableReason()
                                .orElse(""));
        cluster = Story.startClusterOnRealControlPlaneIfAvailable("clone");
        story = new Story(cluster, "clone");
    }

    @AfterAll
    static void stop() {
        Story.stopCluster(cluster);
    }

    @Test
    void aClaimWithAnotherClaimAsDataSourceGetsItsOwnVolumeHoldingACopyOfTheData() throws Exception {
        PersistentVolume source = story.claimAndBind("1Gi", "original");
        story.awaitPoolSettled();
        String sourceDir =
                VolumeId.parse(source.getSpec().getCsi().getVolumeHandle()).subdir();
        Path onServer = cluster.poolOnServer().resolve(sourceDir);
        Files.writeString(Files.createDirectories(onServer.resolve("results")).resolve("run-1.csv"), "a,b\n1,2\n");

        PersistentVolumeClaim clone = ExternalProvisioner.claim("clone", "copy", "1Gi", LocalCluster.STORAGE_CLASS);
        clone.getSpec()
                .setDataSource(new TypedLocalObjectReferenceBuilder()
                        .withKind("PersistentVolumeClaim")
                        .withName("original")
                        .build());
        cluster.client()
                .persistentVolumeClaims()
                .inNamespace("clone")
                .resource(clone)
                .create();
        PersistentVolume copy = story.awaitBound("copy").get(0);

        String copyDir =
                VolumeId.parse(copy.getSpec().getCsi().getVolumeHandle()).subdir();
        assertThat(copyDir).isNotEqualTo(sourceDir);
        assertThat(cluster.poolOnServer().resolve(copyDir).resolve("results/run-1.csv"))
                .hasContent("a,b\n1,2\n");
        VolumeRecord record = story.ledger().get(copyDir);
        assertThat(record.state()).isEqualTo(VolumeState.Ready);
        assertThat(record.source()).isEqualTo(sourceDir);
        assertThat(record.projectId())
                .isNotEqualTo(story.ledger().get(sourceDir).projectId());
        // The copy is the clone's own: changing it leaves the source as it was.
        Files.writeString(cluster.poolOnServer().resolve(copyDir).resolve("results/run-1.csv"), "changed");
        assertThat(onServer.resolve("results/run-1.csv")).hasContent("a,b\n1,2\n");
    }
}
