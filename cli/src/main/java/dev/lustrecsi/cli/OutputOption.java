package dev.lustrecsi.cli;

import picocli.CommandLine.Option;

/** {@code -o json|yaml}: machine-readable output on stdout. */
final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "text",
            description = "output format: text, json or yaml (default: ${DEFAULT-VALUE})")
    OutputFormat format;
}
