package dev.lustrecsi.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Repeated measurements of one quantity, summarised as min / median / p99 (nearest rank). */
public final class Samples {
    private final List<Double> values = Collections.synchronizedList(new ArrayList<>());

    public void add(double value) {
        values.add(value);
    }

    /** Adds an elapsed time given in nanoseconds, as milliseconds. */
    public void addNanosAsMillis(long nanos) {
        add(nanos / 1_000_000.0);
    }

    public int count() {
        return values.size();
    }

    public double min() {
        return percentile(0);
    }

    public double median() {
        return percentile(50);
    }

    public double p99() {
        return percentile(99);
    }

    public double max() {
        return percentile(100);
    }

    /** Nearest-rank percentile; NaN when there are no samples. */
    public double percentile(double p) {
        List<Double> sorted;
        synchronized (values) {
            sorted = new ArrayList<>(values);
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        if (p <= 0) {
            return sorted.get(0);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.min(sorted.size(), Math.max(1, rank)) - 1);
    }
}
