package dev.lustrecsi.lustre.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.testing.RecordedOutput;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the real mount.lustre 2.17.0 answered (recorded transcripts) becomes a failure of a kind a user can act on. */
class MountFailureTest {
    private static final LustreSource SOURCE =
            new LustreSource(MgsNids.parse("10.0.2.15@tcp"), new FsName("lustre"), "csi-vol-1");

    private static MountException failure(String transcript) {
        RecordedOutput r = RecordedOutput.of(transcript);
        return LinuxMounter.mountFailure(
                SOURCE,
                Path.of("/mnt/x"),
                new CommandResult(List.of("mount"), r.exitCode(), r.stdout(), r.stderr(), false));
    }

    @Test
    void anUnknownOptionOrAFilesetOptionIsAnInvalidRequest() {
        assertThat(failure("140").kind()).isEqualTo(MountException.Kind.INVALID_REQUEST);
        assertThat(failure("139").kind()).isEqualTo(MountException.Kind.INVALID_REQUEST);
        assertThat(failure("140").errno()).hasValue(22);
        assertThat(failure("140")).hasMessageContaining("mount options").hasMessageContaining("Invalid argument");
    }

    @Test
    void aBadMgsSpecificationOrAnOverlongFsnameIsAnInvalidRequest() {
        assertThat(failure("147").kind()).isEqualTo(MountException.Kind.INVALID_REQUEST);
        assertThat(failure("146").kind()).isEqualTo(MountException.Kind.INVALID_REQUEST);
    }

    @Test
    void aMissingFilesetOrFilesystemIsNotFound() {
        assertThat(failure("138").kind()).isEqualTo(MountException.Kind.NOT_FOUND);
        assertThat(failure("144").kind()).isEqualTo(MountException.Kind.NOT_FOUND);
        assertThat(failure("138")).hasMessageContaining("/csi-vol-1 does not exist");
    }

    @Test
    void anMgsThatDoesNotAnswerIsUnreachableServers() {
        MountException e = failure("149");
        assertThat(e.kind()).isEqualTo(MountException.Kind.SERVERS_UNREACHABLE);
        assertThat(e.errno()).hasValue(110);
        assertThat(e)
                .hasMessageContaining("10.0.2.15@tcp does not answer")
                .hasMessageContaining("Connection timed out");
    }

    @Test
    void alreadyMountedIsItsOwnKind() {
        assertThat(failure("150").kind()).isEqualTo(MountException.Kind.ALREADY_MOUNTED);
    }

    @Test
    void aStatusOfMountItselfIsNotReadAsAnErrno() {
        // umount(8)/mount(8) exit 32 "target is busy" / "not mounted": their own codes, not mount.lustre's errno.
        RecordedOutput busy = RecordedOutput.of("151");
        MountException e = LinuxMounter.mountFailure(
                SOURCE,
                Path.of("/mnt/x"),
                new CommandResult(List.of("mount"), busy.exitCode(), busy.stdout(), busy.stderr(), false));
        assertThat(e.kind()).isEqualTo(MountException.Kind.OTHER);
        assertThat(e.errno()).isEmpty();
    }

    @Test
    void errnoOfASyscallMapsToTheSameKinds() {
        assertThat(MountException.kindOf(16)).isEqualTo(MountException.Kind.BUSY);
        assertThat(MountException.kindOf(113)).isEqualTo(MountException.Kind.SERVERS_UNREACHABLE);
        assertThat(MountException.kindOf(1)).isEqualTo(MountException.Kind.OTHER);
    }
}
