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
        out.append(row("benchmark", "quantity", "runs", "min", "median", "p99", "target", "met"));
        out.append("|---|---|---:|---:|---:|---:|---|---|\n");
        for (Figure f : figures) {
            out.append(row(
                    f.benchmark(),
                    f.quantity(),
                    Integer.toString(f.runs()),
                    number(f.min()),
                    number(f.median()),
                    number(f.p99()),
                    f.target(),
                    f.met() == null ? "" : f.met() ? "yes" : "**no**"));
        }
        List<Figure> noted = figures.stream()
                .filter(f -> f.note() != null && !f.note().isEmpty())
                .toList();
        if (!noted.isEmpty()) {
            out.append("\nNotes:\n");
            for (Figure f : noted) {
                out.append("- %s / %s: %s\n".formatted(f.benchmark(), f.quantity(), f.note()));
            }
        }
        return out.toString();
    }

    /** One Markdown table row. */
    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
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
