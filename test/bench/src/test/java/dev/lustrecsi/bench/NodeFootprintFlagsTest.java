package dev.lustrecsi.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The node-footprint benchmark measures the JVM flags the product runs with: the node image's JDK_JAVA_OPTIONS and
 * the chart's default node.jvmOptions are the benchmark's tuned flags, so a change to one without the others fails
 * here instead of making the README's figures untrue.
 */
class NodeFootprintFlagsTest {
    private static final Path ROOT = Path.of("../..");

    @Test
    void theImageAndTheChartRunTheNodePluginWithTheFlagsTheBenchmarkMeasures() throws Exception {
        List<String> expected = NodeFootprintBench.TUNED;

        String dockerfile = Files.readString(ROOT.resolve("deploy/docker/node.Dockerfile"));
        Matcher env = Pattern.compile("(?m)^ENV JDK_JAVA_OPTIONS=\"([^\"]*)\"$").matcher(dockerfile);
        assertThat(env.find()).as("node.Dockerfile sets JDK_JAVA_OPTIONS").isTrue();
        assertThat(words(env.group(1))).containsExactlyElementsOf(expected);

        // values.yaml: "  jvmOptions: >-" followed by indented continuation lines (a folded scalar).
        List<String> values = Files.readAllLines(ROOT.resolve("deploy/chart/lustre-csi/values.yaml"));
        int at = values.indexOf("  jvmOptions: >-");
        assertThat(at).as("values.yaml node.jvmOptions").isPositive();
        StringBuilder folded = new StringBuilder();
        for (int i = at + 1; i < values.size() && values.get(i).startsWith("    "); i++) {
            folded.append(' ').append(values.get(i).trim());
        }
        assertThat(words(folded.toString())).containsExactlyElementsOf(expected);
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).toList();
    }
}
