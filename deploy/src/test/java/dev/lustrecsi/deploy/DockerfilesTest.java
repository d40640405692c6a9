package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The images cannot be built here (no Docker engine), so this checks what would break a real build or
 * a real pod: the runtime base is the current LTS JRE (JRE 17 for the node plugin), the jar each image copies is
 * exactly the runnable jar its module's build produces, the entrypoint runs it, and the operator runs as the chart's
 * non-root uid.
 */
class DockerfilesTest {

    record Image(String dockerfile, String module, String mainClass, Optional<Integer> user) {}

    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of(new Image("node.Dockerfile", "csi-node", "dev.lustrecsi.node.NodeMain", Optional.empty())),
                Arguments.of(new Image(
                        "controller.Dockerfile",
                        "csi-controller",
                        "dev.lustrecsi.controller.ControllerMain",
                        Optional.empty())),
                Arguments.of(new Image(
                        "operator.Dockerfile",
                        "server-provisioner/operator",
                        "dev.lustrecsi.provisioner.OperatorMain",
                        Optional.of(65532))));
    }

    @ParameterizedTest
    @MethodSource("images")
    void runtimeStageIsTheCurrentLtsJreButTheNodePluginsIsTheSmallerJre17(Image image) {
        List<String> froms = instructions(image, "FROM");
        assertThat(froms).hasSize(2);
        // The node plugin idles on every node: JDK 17 (the release the code targets) keeps it 9 MiB smaller.
        String runtime = image.module().equals("csi-node") ? "eclipse-temurin:17-jre" : "eclipse-temurin:25-jre";
        assertThat(froms.get(1)).startsWith(runtime);
    }

    @ParameterizedTest
    @MethodSource("images")
    void copiesTheJarItsModuleBuildsAndRunsIt(Image image) throws Exception {
        Document pom = pom(image.module());
        String pomText = RepoFiles.read(RepoFiles.ROOT.resolve(image.module()).resolve("pom.xml"));
        String artifactId = text(pom.getDocumentElement(), "artifactId");
        String version = Optional.ofNullable(text(pom.getDocumentElement(), "version"))
                .orElseGet(() -> text(
                        (Element) pom.getDocumentElement()
                                .getElementsByTagName("parent")
                                .item(0),
                        "version"));
        // The parent's shade execution attaches "-all"; a module may choose its own classifier.
        String classifier = firstTag(pomText, "shadedClassifierName").orElse("all");
        String jar = "/src/" + image.module() + "/target/" + artifactId + "-" + version + "-" + classifier + ".jar";

        assertThat(instructions(image, "RUN").get(0)).contains("-pl " + image.module() + " -am package");
        String copy = instructions(image, "COPY").stream()
                .filter(c -> c.startsWith("--from=build"))
                .findFirst()
                .orElseThrow();
        String[] parts = copy.split("\\s+");
        assertThat(parts[1]).as("jar copied from the build stage").isEqualTo(jar);
        String[] entrypoint =
                new ObjectMapper().readValue(instructions(image, "ENTRYPOINT").get(0), String[].class);
        assertThat(entrypoint[0]).isEqualTo("java");
        assertThat(List.of(entrypoint).subList(entrypoint.length - 2, entrypoint.length))
                .containsExactly("-jar", parts[2]);

        Path source = RepoFiles.ROOT
                .resolve(image.module())
                .resolve("src/main/java")
                .resolve(image.mainClass().replace('.', '/') + ".java");
        Assumptions.assumeTrue(
                Files.exists(source) && pomText.contains("maven-shade-plugin"),
                image.module() + " does not build a runnable jar of " + image.mainClass() + " yet");
        // Either the parent's execution with ${main.class}, or the module's own transformer.
        assertThat(firstTag(pomText, "main.class").or(() -> firstTag(pomText, "mainClass")))
                .as(image.module() + " names the runnable jar's main class")
                .contains(image.mainClass());
    }

    @org.junit.jupiter.api.Test
    void theNodeImageBuildsTheClassDataSharingArchiveItsEntrypointMaps() throws Exception {
        Image node = new Image("node.Dockerfile", "csi-node", "dev.lustrecsi.node.NodeMain", Optional.empty());
        String[] entrypoint =
                new ObjectMapper().readValue(instructions(node, "ENTRYPOINT").get(0), String[].class);
        String archive = List.of(entrypoint).stream()
                .filter(a -> a.startsWith("-XX:SharedArchiveFile="))
                .map(a -> a.substring("-XX:SharedArchiveFile=".length()))
                .findFirst()
                .orElseThrow();
        String script = "deploy/docker/node-cds-training.sh";
        assertThat(instructions(node, "COPY")).anySatisfy(c -> assertThat(c).startsWith(script + " "));
        // The training run uses the jar the entrypoint runs and writes the archive the entrypoint maps.
        assertThat(instructions(node, "RUN"))
                .anySatisfy(r -> assertThat(r)
                        .contains("node-cds-training.sh " + entrypoint[entrypoint.length - 1] + " " + archive));
        assertThat(Files.isExecutable(RepoFiles.ROOT.resolve(script))).isTrue();
    }

    private static Optional<String> firstTag(String xml, String tag) {
        Matcher m = Pattern.compile("<" + Pattern.quote(tag) + ">\\s*([^<\\s]+)\\s*</" + Pattern.quote(tag) + ">")
                .matcher(xml);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @ParameterizedTest
    @MethodSource("images")
    void runsAsNonRootWhereTheComponentAllows(Image image) {
        List<String> users = instructions(image, "USER");
        if (image.user().isEmpty()) {
            // mount(2) and LNet configuration need root; the chart runs these privileged.
            assertThat(users).isEmpty();
            return;
        }
        assertThat(users).hasSize(1);
        assertThat(users.get(0))
                .isEqualTo(image.user().get() + ":" + image.user().get());
        assertThat(RepoFiles.read(RepoFiles.CHART.resolve("templates/operator-deployment.yaml")))
                .contains("runAsUser: " + image.user().get())
                .contains("runAsNonRoot: true");
    }

    /** Instruction arguments in order, with backslash-continued lines joined. */
    static List<String> instructions(Image image, String keyword) {
        String text = RepoFiles.read(RepoFiles.DOCKERFILES.resolve(image.dockerfile()))
                .replaceAll("\\\\\\n", " ");
        Matcher m = Pattern.compile("(?m)^" + keyword + "\\s+(.*)$").matcher(text);
        List<String> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(m.group(1).trim());
        }
        return found;
    }

    static Document pom(String module) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        return f.newDocumentBuilder()
                .parse(RepoFiles.ROOT.resolve(module).resolve("pom.xml").toFile());
    }

    /** Text of a direct child element, or null. */
    static String text(Element parent, String child) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(child)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
