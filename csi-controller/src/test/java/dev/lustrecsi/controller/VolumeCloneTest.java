package dev.lustrecsi.controller;

import static dev.lustrecsi.controller.ControllerFixture.GI;
import static dev.lustrecsi.controller.ControllerFixture.NAMESPACE;
import static dev.lustrecsi.testing.csi.CsiRequests.create;
import static dev.lustrecsi.testing.csi.StorageClassParams.dedicated;
import static dev.lustrecsi.testing.csi.StorageClassParams.pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.csi.v1.CapacityRange;
import dev.lustrecsi.csi.v1.ControllerGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.ControllerServiceCapability;
import dev.lustrecsi.csi.v1.CreateVolumeRequest;
import dev.lustrecsi.csi.v1.DeleteVolumeRequest;
import dev.lustrecsi.csi.v1.Volume;
import dev.lustrecsi.csi.v1.VolumeContentSource;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CSI CLONE_VOLUME for shared pools: a new directory of the same pool holding a copy of the source's tree. */
@ControllerOnMockApi(readyWaitMillis = 200, mounts = true)
class VolumeCloneTest {
    private static final FileTime OLD = FileTime.from(Instant.parse("2021-03-04T05:06:07Z"));

    KubernetesClient client;

    /** Set before each test by @ControllerOnMockApi, closed after it. */
    ControllerFixture f;

    /** A Ready pool with volume {@code source} holding a small tree of files, links and a hard link. */
    private Volume sourceWithData(String pool, String nid, Map<String, String> params) throws IOException {
        assertThatThrownBy(
                        () -> f.stub.createVolume(create("src", 2 * GI, params).build()))
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        f.markReady(pool, nid);
        Volume source =
                f.stub.createVolume(create("src", 2 * GI, params).build()).getVolume();
        Path dir = f.poolMount(pool).resolve("src");
        Path file =
                Files.writeString(Files.createDirectories(dir.resolve("data")).resolve("a.txt"), "alpha");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(file, "unix:uid", 1001);
        Files.setAttribute(file, "unix:gid", 2002);
        Files.setLastModifiedTime(file, OLD);
        Files.createLink(dir.resolve("hard.txt"), file);
        Files.createSymbolicLink(dir.resolve("link"), Path.of("data/a.txt"));
        return source;
    }

    /** A clone {@code dst} of a source with data on {@code pool}, its copy held: its first CreateVolume is pending. */
    private HeldClone heldClone(String pool, String nid) throws IOException {
        Map<String, String> params = pool(pool);
        Volume source = sourceWithData(pool, nid, params);
        CreateVolumeRequest request =
                cloneOf("dst", 2 * GI, params, source.getVolumeId()).build();
        f.holdCopies();
        StatusRuntimeException pending = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class, () -> f.stub.createVolume(request));
        assertThat(pending.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
        return new HeldClone(params, source, request, pending);
    }

    private record HeldClone(
            Map<String, String> params, Volume source, CreateVolumeRequest request, StatusRuntimeException pending) {}

    private static CreateVolumeRequest.Builder cloneOf(String name, long bytes, Map<String, String> params, String id) {
        return create(name, bytes, params)
                .setVolumeContentSource(VolumeContentSource.newBuilder()
                        .setVolume(VolumeContentSource.VolumeSource.newBuilder().setVolumeId(id)));
    }

    /** What the external-provisioner does: retries while the answer is ABORTED (operation pending). */
    private Volume createUntilDone(CreateVolumeRequest request) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                return f.stub.createVolume(request).getVolume();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.ABORTED || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static Status.Code codeOf(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void aCloneIsANewDirectoryWithItsOwnProjectAndQuotaHoldingACopyOfTheSourcesTree() throws IOException {
        Map<String, String> params = pool("copy");
        Volume source = sourceWithData("copy", "10.7.0.1@tcp", params);

        Volume clone = createUntilDone(
                cloneOf("dst", 3 * GI, params, source.getVolumeId()).build());

        assertThat(f.stub.controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
                        .getCapabilitiesList())
                .extracting(c -> c.getRpc().getType())
                .contains(ControllerServiceCapability.RPC.Type.CLONE_VOLUME);
        assertThat(clone.getVolumeId()).isEqualTo("v1:" + NAMESPACE + ":copy:copy:dst");
        assertThat(clone.getCapacityBytes()).isEqualTo(3 * GI);
        assertThat(clone.getContentSource().getVolume().getVolumeId()).isEqualTo(source.getVolumeId());
        VolumeRecord record = f.records("copy").get("dst");
        VolumeRecord sourceRecord = f.records("copy").get("src");
        assertThat(record.state()).isEqualTo(VolumeState.Ready);
        assertThat(record.source()).isEqualTo("src");
        assertThat(record.projectId()).isNotEqualTo(sourceRecord.projectId());
        Path dir = f.poolMount("copy").resolve("dst");
        assertThat(f.projectOf(dir).projectId()).isEqualTo(record.projectId());
        assertThat(f.projectOf(dir).inherit()).isTrue();
        assertThat(f.quotaOf(record.projectId(), f.poolMount("copy")).hardLimitBytes())
                .isEqualTo(3 * GI);
        Path copied = dir.resolve("data/a.txt");
        assertThat(Files.readString(copied)).isEqualTo("alpha");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied)))
                .isEqualTo("rw-r-----");
        assertThat(Files.getAttribute(copied, "unix:uid")).isEqualTo(1001);
        assertThat(Files.getAttribute(copied, "unix:gid")).isEqualTo(2002);
        assertThat(Files.getLastModifiedTime(copied)).isEqualTo(OLD);
        assertThat(Files.getAttribute(dir.resolve("hard.txt"), "unix:ino"))
                .isEqualTo(Files.getAttribute(copied, "unix:ino"));
        assertThat(Files.readSymbolicLink(dir.resolve("link"))).isEqualTo(Path.of("data/a.txt"));
        // The copy is the clone's own: the source is untouched by a change to it.
        Files.writeString(copied, "changed");
        assertThat(Files.readString(f.poolMount("copy").resolve("src/data/a.txt")))
                .isEqualTo("alpha");
        // Lustre's project accounting charges the copied tree to the clone's project.
        assertThat(f.quotaOf(record.projectId(), f.poolMount("copy")).files()).isGreaterThan(1);

        // A retry of the same request gets the same volume; the source can be deleted once the copy is done.
        assertThat(f.stub.createVolume(cloneOf("dst", 3 * GI, params, source.getVolumeId())
                                .build())
                        .getVolume())
                .isEqualTo(clone);
        f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                .setVolumeId(source.getVolumeId())
                .build());
        assertThat(f.records("copy")).containsOnlyKeys("dst");
        assertThat(Files.readString(copied)).isEqualTo("changed");
    }

    @Test
    void whileTheCopyRunsRetriesArePendingNothingIsDuplicatedAndTheSourceCannotBeDeleted() throws IOException {
        HeldClone clone = heldClone("slow", "10.7.0.2@tcp");
        Map<String, String> params = clone.params();

        assertThat(clone.pending().getStatus().getDescription())
                .contains("operation pending")
                .contains("src");
        VolumeRecord cloning = f.records("slow").get("dst");
        assertThat(cloning.state()).isEqualTo(VolumeState.Cloning);
        assertThat(cloning.source()).isEqualTo("src");
        // The project id and quota are in place before any data is copied.
        assertThat(f.quotaOf(cloning.projectId(), f.poolMount("slow")).hardLimitBytes())
                .isEqualTo(2 * GI);
        assertThat(f.poolMount("slow").resolve("dst/data")).doesNotExist();

        assertThat(codeOf(() -> f.stub.createVolume(clone.request()))).isEqualTo(Status.Code.ABORTED);
        // The same name with another source, or with none, is another volume.
        assertThat(codeOf(
                        () -> f.stub.createVolume(create("dst", 2 * GI, params).build())))
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        f.stub.createVolume(create("other", GI, params).build());
        assertThat(codeOf(
                        () -> f.stub.createVolume(cloneOf("dst", 2 * GI, params, "v1:" + NAMESPACE + ":slow:slow:other")
                                .build())))
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                        .setVolumeId(clone.source().getVolumeId())
                        .build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused.getStatus().getDescription()).contains("being cloned into dst");
        assertThat(f.poolMount("slow").resolve("src/data/a.txt")).exists();
        assertThat(f.records("slow")).containsOnlyKeys("src", "dst", "other");

        f.releaseCopies();
        Volume done = createUntilDone(clone.request());
        assertThat(done.getContentSource().getVolume().getVolumeId())
                .isEqualTo(clone.source().getVolumeId());
        assertThat(f.poolMount("slow").resolve("dst/data/a.txt")).hasContent("alpha");
        assertThat(f.records("slow").get("dst").projectId()).isEqualTo(cloning.projectId());
        f.stub.deleteVolume(DeleteVolumeRequest.newBuilder()
                .setVolumeId(clone.source().getVolumeId())
                .build());
    }

    @Test
    void aControllerRestartedMidCopyCopiesAgainOnTheRetryAndNeverReportsAPartialClone() throws IOException {
        HeldClone clone = heldClone("restart", "10.7.0.3@tcp");
        // A partial tree from the interrupted copy: the restarted copy must not keep it.
        Files.writeString(f.poolMount("restart").resolve("dst/partial"), "half");

        f.restart();
        assertThat(f.records("restart").get("dst").state()).isEqualTo(VolumeState.Cloning);
        assertThat(codeOf(() -> f.stub.createVolume(clone.request()))).isEqualTo(Status.Code.ABORTED);
        f.releaseCopies();
        Volume done = createUntilDone(clone.request());

        assertThat(done.getContentSource().getVolume().getVolumeId())
                .isEqualTo(clone.source().getVolumeId());
        Path dir = f.poolMount("restart").resolve("dst");
        assertThat(dir.resolve("data/a.txt")).hasContent("alpha");
        assertThat(dir.resolve("partial")).doesNotExist();
        assertThat(f.records("restart").get("dst").state()).isEqualTo(VolumeState.Ready);
    }

    @Test
    void aFailedCopyIsReportedTheCloneRemovedAndTheNextRetryCopiesAgain() throws IOException {
        HeldClone clone = heldClone("fail", "10.7.0.4@tcp");
        long projectId = f.records("fail").get("dst").projectId();
        // The source's tree becomes unreadable under the copy (as a failing disk would make it).
        Path sourceDir = f.poolMount("fail").resolve("src");
        Path aside = f.poolMount("fail").resolve(".aside");
        Files.move(sourceDir, aside);

        f.releaseCopies();
        StatusRuntimeException failed = null;
        for (int i = 0; i < 200 && failed == null; i++) {
            try {
                f.stub.createVolume(clone.request());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.ABORTED) {
                    failed = e;
                }
            }
        }
        assertThat(failed).isNotNull();
        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(failed.getStatus().getDescription()).contains("copying volume src into dst failed");
        assertThat(f.records("fail")).containsOnlyKeys("src");
        assertThat(f.poolMount("fail").resolve("dst")).doesNotExist();
        assertThat(f.quotaOf(projectId, f.poolMount("fail")).hardLimitBytes()).isZero();

        Files.move(aside, sourceDir);
        Volume done = createUntilDone(clone.request());
        assertThat(done.getContentSource().getVolume().getVolumeId())
                .isEqualTo(clone.source().getVolumeId());
        assertThat(f.poolMount("fail").resolve("dst/data/a.txt")).hasContent("alpha");
    }

    @Test
    void sizesSourcesAndPoolsTheSpecRefusesGetItsCodesAndTouchNothing() throws IOException {
        Map<String, String> params = pool("rules");
        Volume source = sourceWithData("rules", "10.7.0.5@tcp", params);
        String id = source.getVolumeId();

        // Smaller than the source, or a limit below it: OUT_OF_RANGE.
        assertThat(codeOf(() ->
                        f.stub.createVolume(cloneOf("small", GI, params, id).build())))
                .isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(codeOf(() -> f.stub.createVolume(cloneOf("limited", 0, params, id)
                        .setCapacityRange(CapacityRange.newBuilder().setLimitBytes(GI))
                        .build())))
                .isEqualTo(Status.Code.OUT_OF_RANGE);
        // No size asked for: the source's.
        Volume sized = createUntilDone(cloneOf("unsized", 0, params, id)
                .setCapacityRange(CapacityRange.getDefaultInstance())
                .build());
        assertThat(sized.getCapacityBytes()).isEqualTo(2 * GI);

        // Sources that do not exist, including hostile ids: NOT_FOUND, with the id escaped and bounded.
        for (String missing : new String[] {
            "v1:" + NAMESPACE + ":rules:rules:nope",
            "v1:" + NAMESPACE + ":rules:rules:../src",
            "forged\nINFO line",
            "x".repeat(100_000),
        }) {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class,
                    () -> f.stub.createVolume(
                            cloneOf("ghost", 2 * GI, params, missing).build()));
            assertThat(e.getStatus().getCode())
                    .as(missing.substring(0, Math.min(40, missing.length())))
                    .isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).doesNotContain("\n").hasSizeLessThan(1024);
        }
        // Another pool's volume, a dedicated StorageClass, a snapshot: INVALID_ARGUMENT.
        assertThat(codeOf(() -> f.stub.createVolume(
                        cloneOf("cross", 2 * GI, pool("elsewhere"), id).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> f.stub.createVolume(
                        cloneOf("whole", 2 * GI, dedicated(), id).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(
                        () -> f.stub.createVolume(cloneOf("whole", 2 * GI, params, "v1:" + NAMESPACE + ":rules:rules:")
                                .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> f.stub.createVolume(create("snap", 2 * GI, params)
                        .setVolumeContentSource(VolumeContentSource.newBuilder()
                                .setSnapshot(VolumeContentSource.SnapshotSource.newBuilder()
                                        .setSnapshotId("s1")))
                        .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(f.records("rules")).containsOnlyKeys("src", "unsized");
        assertThat(f.fileSystem("elsewhere")).isEmpty();
    }
}
