package dev.lustrecsi.node;

import dev.lustrecsi.testing.junit.TestFields;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A fresh {@link NodePlugin} for every test, in a directory of its own, like JOSDK's
 * {@code LocallyRunOperatorExtension}: {@code @ExtendWith(NodePluginExtension.class)} on the class, then either a
 * {@code NodePlugin} field (set before each {@code @BeforeEach} method runs) or a {@code NodePlugin} parameter of a
 * test or {@code @BeforeEach} method. After the test the plugin is closed, which unmounts whatever the test left
 * below its directory, and the directory is removed; a plugin a test put into the field itself (say, with other
 * limits) is closed too. {@link Fake} gives plugins whose mounts are only in memory
 * ({@link NodePlugin#withFakeMounter}), for tests that must run as any user.
 */
class NodePluginExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NodePluginExtension.class);

    /** One test's plugin and where it lives. */
    private record Started(Path dir, NodePlugin plugin) {}

    /** Plugins whose mounts are only in memory: validation and idempotency tests, run as any user. */
    static final class Fake extends NodePluginExtension {
        Fake() {
            super(NodePlugin::withFakeMounter);
        }
    }

    private final Function<Path, NodePlugin> factory;

    NodePluginExtension() {
        this(NodePlugin::new);
    }

    private NodePluginExtension(Function<Path, NodePlugin> factory) {
        this.factory = factory;
    }

    private Started started(ExtensionContext context) {
        return context.getStore(NS).getOrComputeIfAbsent(Started.class, k -> start(), Started.class);
    }

    private Started start() {
        try {
            Path dir = Files.createTempDirectory("node-plugin-");
            return new Started(dir, factory.apply(dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        TestFields.set(
                context.getRequiredTestInstance(),
                NodePlugin.class,
                started(context).plugin());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Started s = context.getStore(NS).remove(Started.class, Started.class);
        if (s == null) {
            return;
        }
        for (NodePlugin replaced : TestFields.values(context.getRequiredTestInstance(), NodePlugin.class)) {
            if (replaced != s.plugin()) {
                replaced.close();
            }
        }
        s.plugin().close();
        TestFields.deleteTree(s.dir());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == NodePlugin.class;
    }

    @Override
    public NodePlugin resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return started(context).plugin();
    }
}
