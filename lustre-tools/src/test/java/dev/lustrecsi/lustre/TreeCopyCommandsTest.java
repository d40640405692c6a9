package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCopyCommandsTest {
    private final TreeCopyCommands commands = TreeCopyCommands.standard();

    @Test
    void theCopyCommandLineIsAnArgumentListThatNeverFollowsLinks() {
        assertThat(commands.copyTree("/pool/src", "/pool/dst"))
                .containsExactly(
                        "cp",
                        "-R",
                        "-P",
                        "-T",
                        "--preserve=mode,ownership,timestamps,links",
                        "--sparse=auto",
                        "--one-file-system",
                        "--",
                        "/pool/src",
                        "/pool/dst");
        assertThatThrownBy(() -> commands.copyTree("-rf", "/pool/dst")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> commands.copyTree("/pool/src", "/pool/a\nb")).hasMessageContaining("absolute");
    }

    /** The real cp keeps what a volume's users rely on: modes, owners, times, links and hard links. */
    @Test
    void theCopyKeepsModesOwnersTimesSymlinksAndHardLinks(@TempDir Path tmp) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Path sub = Files.createDirectories(src.resolve("sub"));
        Path file = Files.writeString(sub.resolve("data"), "hello");
        Files.createLink(src.resolve("hard"), file);
        Files.createSymbolicLink(src.resolve("link"), Path.of("sub/data"));
        Files.createSymbolicLink(src.resolve("outside"), Path.of("/etc/hostname"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-x---"));
        FileTime old = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));
        Files.setLastModifiedTime(file, old);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            Files.setAttribute(file, "unix:uid", 1234);
            Files.setAttribute(file, "unix:gid", 5678);
        }

        CommandResult result = new ProcessCommandRunner()
                .run(commands.copyTree(src.toString(), dst.toString()), Duration.ofSeconds(30));

        assertThat(result.succeeded()).as(result.stderr()).isTrue();
        Path copied = dst.resolve("sub/data");
        assertThat(Files.readString(copied)).isEqualTo("hello");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied)))
                .isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dst)))
                .as("the target directory takes the source's own mode")
                .isEqualTo("rwxr-x---");
        assertThat(Files.getLastModifiedTime(copied)).isEqualTo(old);
        assertThat(Files.getAttribute(dst.resolve("hard"), "unix:ino"))
                .as("a hard link stays a hard link")
                .isEqualTo(Files.getAttribute(copied, "unix:ino"));
        assertThat(Files.readSymbolicLink(dst.resolve("link"))).isEqualTo(Path.of("sub/data"));
        assertThat(Files.isSymbolicLink(dst.resolve("outside")))
                .as("a link out of the volume is copied as a link, never followed")
                .isTrue();
        if (root) {
            assertThat(List.of(Files.getAttribute(copied, "unix:uid"), Files.getAttribute(copied, "unix:gid")))
                    .containsExactly(1234, 5678);
        }
        assertThat(Files.exists(dst.resolve("src"), LinkOption.NOFOLLOW_LINKS))
                .as("-T: the contents, not a directory inside")
                .isFalse();
    }
}
