package dev.lustrecsi.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** See {@link ControllerOnMockApi}. */
final class ControllerFixtureExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(ControllerFixtureExtension.class);

    private record Started(Path dir, ControllerFixture fixture) {}

    private static List<Field> fields(Object test, Class<?> type) {
        List<Field> found = new ArrayList<>();
        for (Class<?> c = test.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == type && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    found.add(f);
                }
            }
        }
        return found;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Object test = context.getRequiredTestInstance();
        ControllerOnMockApi settings = AnnotationSupport.findAnnotation(
                        context.getRequiredTestClass(), ControllerOnMockApi.class)
                .orElseThrow();
        KubernetesClient client = (KubernetesClient) fields(test, KubernetesClient.class).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        test.getClass().getSimpleName() + " needs a KubernetesClient field for @ControllerOnMockApi"))
                .get(test);
        Path dir = Files.createTempDirectory("controller-");
        context.getStore(NS).put(Started.class, new Started(dir, null));
        ControllerFixture fixture = new ControllerFixture(
                client, dir.resolve("pools"), Duration.ofMillis(settings.readyWaitMillis()), settings.mounts());
        context.getStore(NS).put(Started.class, new Started(dir, fixture));
        for (Field f : fields(test, ControllerFixture.class)) {
            f.set(test, fixture);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        Started s = context.getStore(NS).remove(Started.class, Started.class);
        if (s == null) {
            return;
        }
        if (s.fixture() != null) {
            s.fixture().close();
        }
        try (Stream<Path> files = Files.walk(s.dir())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
