package dev.lustrecsi.bench;

/**
 * One row of the results table: a measured quantity, its spread over repeated runs, the target it is held
 * against and whether the relevant statistic meets it.
 *
 * @param benchmark which benchmark produced it
 * @param quantity  what was measured, with its unit
 * @param runs      how many samples the statistics are over
 * @param min       smallest sample (NaN when not applicable)
 * @param median    median sample, or the single value
 * @param p99       99th percentile (NaN when not applicable)
 * @param target    the target as text, e.g. "p99 <= 50 ms"; empty when there is none
 * @param met       whether the target is met; null when there is no target or nothing was measured
 * @param note      context a reader needs, e.g. what the floor was
 */
public record Figure(
        String benchmark,
        String quantity,
        int runs,
        double min,
        double median,
        double p99,
        String target,
        Boolean met,
        String note) {

    /** Statistics of samples, the target judged on the statistic the caller chose. */
    public static Figure of(String benchmark, String quantity, Samples s, String target, Boolean met, String note) {
        return new Figure(benchmark, quantity, s.count(), s.min(), s.median(), s.p99(), target, met, note);
    }

    /** Statistics of samples held against no target (a calibration, a floor, a figure for context). */
    public static Figure of(String benchmark, String quantity, Samples s, String note) {
        return of(benchmark, quantity, s, "", null, note);
    }

    /** A single figure held against no target. */
    public static Figure single(String benchmark, String quantity, double value, String note) {
        return single(benchmark, quantity, value, "", null, note);
    }

    /** A single figure (a ratio, a count): shown in the median column. */
    public static Figure single(
            String benchmark, String quantity, double value, String target, Boolean met, String note) {
        return new Figure(benchmark, quantity, 1, Double.NaN, value, Double.NaN, target, met, note);
    }

    /** A benchmark that could not run here, and why. */
    public static Figure skipped(String benchmark, String why) {
        return new Figure(benchmark, "(not run)", 0, Double.NaN, Double.NaN, Double.NaN, "", null, why);
    }
}
