package dev.lustrecsi.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The figures as a Markdown table, ready for the README. */
public final class ResultTable {
    private final List<Figure> figures = new ArrayList<>();

    public synchronized void add(Figure f) {
        figures.add(f);
        // Also as it is measured: a long run cut short still leaves its figures in the log.
        System.out.println("figure: " + f);
    }

    public synchronized List<Figure> figures() {
        return List.copyOf(figures);
    }

    public synchronized String render(String machine) {
        StringBuilder out = new StringBuilder();
        out.append("Machine: ").append(machine).append("\n\n");
        out.append("| benchmark | quantity | runs | min | median | p99 | target | met |\n");
        out.append("|---|---|---:|---:|---:|---:|---|---|\n");
        for (Figure f : figures) {
            out.append("| ")
                    .append(f.benchmark())
                    .append(" | ")
                    .append(f.quantity())
                    .append(" | ")
                    .append(f.runs())
                    .append(" | ")
                    .append(number(f.min()))
                    .append(" | ")
                    .append(number(f.median()))
                    .append(" | ")
                    .append(number(f.p99()))
                    .append(" | ")
                    .append(f.target())
                    .append(" | ")
                    .append(f.met() == null ? "" : f.met() ? "yes" : "**no**")
                    .append(" |\n");
        }
        List<Figure> noted = figures.stream()
                .filter(f -> f.note() != null && !f.note().isEmpty())
                .toList();
        if (!noted.isEmpty()) {
            out.append("\nNotes:\n");
            for (Figure f : noted) {
                out.append("- ")
                        .append(f.benchmark())
                        .append(" / ")
                        .append(f.quantity())
                        .append(": ")
                        .append(f.note())
                        .append('\n');
            }
        }
        return out.toString();
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
