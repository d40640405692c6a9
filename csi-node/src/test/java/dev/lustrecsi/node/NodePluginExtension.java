package dev.lustrecsi.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
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

    private static List<Field> pluginFields(Object test) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> c = test.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == NodePlugin.class && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    fields.add(f);
                }
            }
        }
        return fields;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        Object test = context.getRequiredTestInstance();
        for (Field f : pluginFields(test)) {
            f.set(test, started(context).plugin());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Started s = context.getStore(NS).remove(Started.class, Started.class);
        if (s == null) {
            return;
        }
        Object test = context.getRequiredTestInstance();
        for (Field f : pluginFields(test)) {
            if (f.get(test) instanceof NodePlugin replaced && replaced != s.plugin()) {
                replaced.close();
            }
        }
        s.plugin().close();
        try (Stream<Path> files = Files.walk(s.dir())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
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
