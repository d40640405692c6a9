package dev.lustrecsi.csi.server;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a gRPC call sends to its observer: the values, the errors and how often it completed. */
final class RecordingObserver<T> implements StreamObserver<T> {
    final List<T> values = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final AtomicInteger completions = new AtomicInteger();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        values.add(value);
    }

    @Override
    public void onError(Throwable t) {
        errors.add(t);
        ended.complete(null);
    }

    @Override
    public void onCompleted() {
        completions.incrementAndGet();
        ended.complete(null);
    }

    /** Waits until the call has ended (completed or failed) and returns this, to assert on. */
    RecordingObserver<T> awaitEnd() throws Exception {
        ended.get(10, TimeUnit.SECONDS);
        return this;
    }
}
