package dev.lustrecsi.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A multi-document YAML stream parsed into typed Kubernetes objects (unknown kinds stay generic). */
final class Rendered {
    private static final YAMLMapper YAML = new YAMLMapper();

    final List<HasMetadata> objects;

    private Rendered(List<HasMetadata> objects) {
        this.objects = objects;
    }

    static Rendered parse(String yaml) {
        return new Rendered(documents(yaml).stream()
                .map(doc -> (HasMetadata) Serialization.unmarshal(doc.toString(), HasMetadata.class))
                .toList());
    }

    /** The non-empty YAML documents of a stream, as trees. */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNextValue()) {
                JsonNode node = it.nextValue();
                if (node != null && !node.isNull() && !node.isMissingNode() && !node.isEmpty()) {
                    docs.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<HasMetadata> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name)
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name + " in "
                        + objects.stream()
                                .map(o -> o.getKind() + "/" + o.getMetadata().getName())
                                .toList()));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst();
    }

    Deployment controller() {
        return one(Deployment.class, Helm.RELEASE + "-controller");
    }

    Deployment operator() {
        return one(Deployment.class, Helm.RELEASE + "-operator");
    }

    DaemonSet node() {
        return one(DaemonSet.class, Helm.RELEASE + "-node");
    }

    PodSpec controllerPod() {
        return controller().getSpec().getTemplate().getSpec();
    }

    PodSpec operatorPod() {
        return operator().getSpec().getTemplate().getSpec();
    }

    PodSpec nodePod() {
        return node().getSpec().getTemplate().getSpec();
    }

    /** The names of the pod's containers, in order. */
    static List<String> containerNames(PodSpec pod) {
        return pod.getContainers().stream().map(Container::getName).toList();
    }

    /** Pod specs of every workload in the stream. */
    List<PodSpec> podSpecs() {
        return Stream.concat(
                        all(Deployment.class).stream()
                                .map(d -> d.getSpec().getTemplate().getSpec()),
                        all(DaemonSet.class).stream()
                                .map(d -> d.getSpec().getTemplate().getSpec()))
                .toList();
    }

    static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream()
                .filter(c -> name.equals(c.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in "
                        + pod.getContainers().stream().map(Container::getName).toList()));
    }

    /** The value of {@code --flag=value} in a container's args. */
    static Optional<String> flag(Container c, String flag) {
        String prefix = flag + "=";
        return c.getArgs().stream()
                .filter(a -> a.startsWith(prefix))
                .map(a -> a.substring(prefix.length()))
                .findFirst();
    }
}
