package dev.lustrecsi.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A subcommand that acts on one named LustreFileSystem in the chosen namespace (picocli reads these inherited
 * fields).
 */
abstract class FileSystemCommand implements Callable<Integer> {
    @ParentCommand
    KubectlLustre root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    final FileSystems fileSystems() {
        return new FileSystems(root.client(), root.namespace());
    }

    /** A usage error listing every problem under a heading, e.g. "invalid filesystem x:\n  - ...". */
    static CliException invalid(String heading, List<String> problems) {
        return new CliException(ExitCode.USAGE, heading + ":\n  - " + String.join("\n  - ", problems));
    }
}
