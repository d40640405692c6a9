package dev.lustrecsi.lustre.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.LfsCommands;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in {@code lfs quota -p} answers from the project's own directories only (as the real one asks the quota
 * master for one id), and still follows them as real quota accounting does: through a rename, and not after the
 * directory is removed, also when the id is given again later.
 */
class StandInLfsQuotaTest {
    @TempDir
    Path tmp;

    private Path state;
    private Path root;

    private String lfs(String... args) throws IOException, InterruptedException, URISyntaxException {
        Path script = Path.of(
                getClass().getClassLoader().getResource("standins/bin/lfs").toURI());
        List<String> argv = new ArrayList<>(List.of("bash", script.toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("LFS_STANDIN_STATE", state.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    private long filesOf(long id) throws Exception {
        String out = lfs("quota", "-q", "-p", Long.toString(id), root.toString());
        return LfsCommands.parseProjectQuota(out, root.toString()).orElseThrow().files();
    }

    private long indexEntries(long id) throws IOException {
        try (Stream<Path> all = Files.walk(state.resolve("lfs/byproject"))) {
            return all.filter(p -> p.getParent().getFileName().toString().equals(Long.toString(id)))
                    .filter(Files::isRegularFile)
                    .count();
        }
    }

    @Test
    void aProjectsDirectoryCountsThroughARenameAndNotOnceRemovedAlsoWhenItsIdIsGivenAgain() throws Exception {
        state = Files.createDirectories(tmp.resolve("state"));
        // The filesystem's tree as the stand-in server keeps it (mount.lustre mounts it here); used as the mount.
        root = Files.createDirectories(state.resolve("servers/10.0.0.1@tcp/fs1"));
        Path a = Files.createDirectory(root.resolve("a"));
        lfs("project", "-p", "10001", "-s", a.toString());
        assertThat(filesOf(10001)).isEqualTo(1);
        assertThat(filesOf(10002)).isZero();

        Path b = Files.move(a, root.resolve("b"));
        assertThat(filesOf(10001)).isEqualTo(1);

        Files.delete(b);
        assertThat(filesOf(10001)).isZero();
        // The freed inode is forgotten, so later queries of the id do not look for it again.
        assertThat(indexEntries(10001)).isZero();

        Path c = Files.createDirectory(root.resolve("c"));
        Files.writeString(c.resolve("f"), "x");
        lfs("project", "-p", "10001", "-s", c.toString());
        assertThat(filesOf(10001)).isEqualTo(2);
        assertThat(indexEntries(10001)).isEqualTo(1);
    }
}
