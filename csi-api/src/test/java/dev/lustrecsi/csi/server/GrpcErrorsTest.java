package dev.lustrecsi.csi.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.CommandFailedException;
import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.mount.MountException;
import dev.lustrecsi.lustre.mount.MountTimeoutException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

    @Test
    void aStatusThrownByAServiceKeepsItsCode() {
        assertThat(GrpcErrors.statusOf(
                        Status.NOT_FOUND.withDescription("no such volume").asRuntimeException()))
                .satisfies(s -> {
                    assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(s.getDescription()).isEqualTo("no such volume");
                });
    }

    @Test
    void mountFailuresMapTheSameWayForControllerAndNode() {
        assertThat(GrpcErrors.statusOf(new MountTimeoutException("mount of x", Duration.ofSeconds(3)))
                        .getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(GrpcErrors.statusOf(new MountException("mount.lustre: Connection timed out"))
                        .getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcErrors.statusOf(new IllegalStateException("bug")).getCode())
                .isEqualTo(Status.Code.INTERNAL);
        assertThat(GrpcErrors.statusOf(new IllegalStateException("bug")).getDescription())
                .isEqualTo("internal error: bug");
    }

    @Test
    void aKubernetesClientFailureIsUnavailableByItsTypeName() {
        // csi-api does not carry fabric8; a subclass with the same name stands for it here.
        assertThat(GrpcErrors.statusOf(new io.fabric8.kubernetes.client.KubernetesClientException("503"))
                        .getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void descriptionsAreBoundedToOneKibibyteOfUtf8() {
        String huge = "é".repeat(1 << 20);
        Status s = GrpcErrors.statusOf(
                Status.INVALID_ARGUMENT.withDescription(huge).asRuntimeException());
        assertThat(s.getDescription().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(GrpcErrors.MAX_DESCRIPTION);
        assertThat(s.getDescription()).endsWith("more bytes)");
        assertThat(GrpcErrors.statusOf(new MountException("x".repeat(100_000))).getDescription())
                .hasSizeLessThanOrEqualTo(1024);
    }

    @Test
    void aNewlineInUntrustedTextCannotForgeALogLine() {
        String id = "v1:ns:pool:fs:vol\n2026-01-01 INFO csi.calls forged line\r\u0085\u2028";
        String quoted = GrpcErrors.statusOf(
                        Status.NOT_FOUND.withDescription("volume " + id).asRuntimeException())
                .getDescription();
        assertThat(quoted).doesNotContain("\n", "\r", "\u0085", "\u2028").contains("vol\\n2026");
        // Escaped even when cut: the cut happens after escaping.
        assertThat(GrpcErrors.quote("a\nb".repeat(200), 160))
                .doesNotContain("\n")
                .hasSizeLessThanOrEqualTo(163);
    }

    @Test
    void answerSendsTheMappedStatusAndNeverThrows() {
        RecordingObserver<String> observer = new RecordingObserver<>();
        GrpcErrors.answer(observer, () -> "ok");
        GrpcErrors.answer(observer, () -> {
            throw new CommandFailedException(
                    new CommandResult(List.of("lfs", "setquota"), 1, "", "Invalid argument", false));
        });
        assertThat(observer.values).containsExactly("ok");
        assertThat(observer.completions).hasValue(1);
        assertThat(observer.errors)
                .singleElement()
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    }
}
