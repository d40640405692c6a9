package dev.lustrecsi.controller;

import dev.lustrecsi.testing.junit.TestFields;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** See {@link ControllerOnMockApi}. */
final class ControllerFixtureExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(ControllerFixtureExtension.class);

    private record Started(Path dir, ControllerFixture fixture) {}

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Object test = context.getRequiredTestInstance();
        ControllerOnMockApi settings = AnnotationSupport.findAnnotation(
                        context.getRequiredTestClass(), ControllerOnMockApi.class)
                .orElseThrow();
        KubernetesClient client = TestFields.values(test, KubernetesClient.class).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        test.getClass().getSimpleName() + " needs a KubernetesClient field for @ControllerOnMockApi"));
        Path dir = Files.createTempDirectory("controller-");
        context.getStore(NS).put(Started.class, new Started(dir, null));
        ControllerFixture fixture = new ControllerFixture(
                client, dir.resolve("pools"), Duration.ofMillis(settings.readyWaitMillis()), settings.mounts());
        context.getStore(NS).put(Started.class, new Started(dir, fixture));
        TestFields.set(test, ControllerFixture.class, fixture);
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
        TestFields.deleteTree(s.dir());
    }
}
