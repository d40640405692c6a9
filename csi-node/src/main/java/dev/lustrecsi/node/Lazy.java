package dev.lustrecsi.node;

import java.util.function.Consumer;
import java.util.function.Supplier;

/** A value made on first use and kept (thread-safe); a failed making is tried again on the next use. */
final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> make;
    private T value;

    Lazy(Supplier<T> make) {
        this.make = make;
    }

    @Override
    public synchronized T get() {
        if (value == null) {
            value = make.get();
        }
        return value;
    }

    /** Acts on the value only if it was made (e.g. to close a client at shutdown without making one). */
    synchronized void ifCreated(Consumer<T> action) {
        if (value != null) {
            action.accept(value);
        }
    }
}
