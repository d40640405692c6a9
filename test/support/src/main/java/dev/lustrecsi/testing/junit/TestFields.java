package dev.lustrecsi.testing.junit;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the kit's JUnit extensions share: setting a test instance's fields of a type (as {@code @TempDir} and
 * fabric8's mock client do) and removing a test's own directory afterwards.
 */
public final class TestFields {
    private TestFields() {}

    /** The instance fields (not static, not final) of {@code type} in the test's class and its superclasses. */
    public static List<Field> of(Object test, Class<?> type) {
        List<Field> found = new ArrayList<>();
        for (Class<?> c = test.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (f.getType() == type && !Modifier.isStatic(mod) && !Modifier.isFinal(mod)) {
                    f.setAccessible(true);
                    found.add(f);
                }
            }
        }
        return found;
    }

    /** Sets every such field of {@code type} to {@code value}. */
    public static <T> void set(Object test, Class<T> type, T value) throws IllegalAccessException {
        for (Field f : of(test, type)) {
            f.set(test, value);
        }
    }

    /** The values the test holds in its fields of {@code type} now (nulls left out). */
    public static <T> List<T> values(Object test, Class<T> type) throws IllegalAccessException {
        List<T> values = new ArrayList<>();
        for (Field f : of(test, type)) {
            Object v = f.get(test);
            if (v != null) {
                values.add(type.cast(v));
            }
        }
        return values;
    }

    /** Removes {@code dir} and everything below it (call after whatever was mounted there is unmounted). */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
