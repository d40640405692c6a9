package dev.lustrecsi.lustre.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a real Lustre 2.17.0 tool printed and returned, from the copies under test resources
 * {@code transcripts/real/NNN-*.txt} (see the README there): parsers are tested against these, not against
 * outputs we wrote ourselves.
 */
public record RecordedOutput(String command, String stdout, String stderr, int exitCode) {

    /** The transcript numbered {@code number} (e.g. "103"). */
    public static RecordedOutput of(String number) {
        URL dir = RecordedOutput.class.getClassLoader().getResource("transcripts/real");
        if (dir == null) {
            throw new IllegalStateException("transcripts/real missing from the test classpath");
        }
        try (Stream<Path> files = Files.list(directory(dir))) {
            Path file = files.filter(f -> f.getFileName().toString().startsWith(number + "-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no transcript " + number));
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory, also when the test-jar of lustre-tools is on another module's classpath. */
    private static Path directory(URL dir) throws IOException, URISyntaxException {
        URI uri = dir.toURI();
        if (!"jar".equals(uri.getScheme())) {
            return Path.of(uri);
        }
        FileSystem fs;
        try {
            fs = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            fs = FileSystems.getFileSystem(uri);
        }
        return fs.provider().getPath(uri);
    }

    static RecordedOutput parse(List<String> lines) {
        String first = lines.get(0);
        String command = first.substring("# $ ".length(), first.lastIndexOf("  [lustre"));
        List<String> out = null;
        List<String> err = null;
        List<String> current = null;
        int exit = -1;
        for (String l : lines.subList(1, lines.size())) {
            if (l.equals("## stdout")) {
                current = out = new ArrayList<>();
            } else if (l.equals("## stderr")) {
                current = err = new ArrayList<>();
            } else if (l.startsWith("## exit code: ")) {
                exit = Integer.parseInt(l.substring("## exit code: ".length()).strip());
                current = null;
            } else if (current != null) {
                current.add(l);
            }
        }
        return new RecordedOutput(command, join(out), join(err), exit);
    }

    private static String join(List<String> lines) {
        if (lines == null || lines.isEmpty()) {
            return "";
        }
        if (lines.get(lines.size() - 1).startsWith("\\ no newline at end of")) {
            return String.join("\n", lines.subList(0, lines.size() - 1));
        }
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }
}
