package dev.lustrecsi.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code -o json|yaml}: machine-readable output on stdout. */
final class OutputOption {
    @Option(
            names = {"-o", "--output"},
            defaultValue = "text",
            description = "output format: text, json or yaml (default: ${DEFAULT-VALUE})")
    OutputFormat format;

    /** Prints {@code value} as JSON or YAML when asked; text output is the command's own. */
    void printIfMachineReadable(PrintWriter out, Object value) {
        if (format != OutputFormat.text && value != null) {
            format.print(out, value);
        }
    }
}
