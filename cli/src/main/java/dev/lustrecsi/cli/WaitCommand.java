package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "wait",
        description = {
            "Wait for a phase (default Ready) or deletion, printing progress to stderr.",
            "Exit code 5 on timeout, 3 if it is deleted while waiting for a phase, 1 if the operator rejects it."
        })
final class WaitCommand extends FileSystemCommand {
    @Option(
            names = "--for",
            defaultValue = "Ready",
            paramLabel = "STATE",
            description = "a phase (Pending, Provisioning, Ready, Degraded, Scaling, Upgrading, Deleting) or 'delete'"
                    + " (default: ${DEFAULT-VALUE})")
    String state;

    @Option(
            names = "--timeout",
            defaultValue = "30m",
            converter = WaitOptions.DurationConverter.class,
            description = "how long to wait, e.g. 90s, 20m, 2h (default: ${DEFAULT-VALUE})")
    java.time.Duration timeout;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        Goal goal = goal(state);
        FileSystems fileSystems = fileSystems();
        if (!goal.deletion()) {
            fileSystems.require(name);
        }
        LustreFileSystem result = new Waiter(fileSystems, spec.commandLine().getErr()).await(name, goal, timeout);
        output.printIfMachineReadable(spec.commandLine().getOut(), result);
        return ExitCode.OK;
    }

    static Goal goal(String state) {
        if ("delete".equalsIgnoreCase(state) || "deleted".equalsIgnoreCase(state)) {
            return Goal.deleted();
        }
        return Arrays.stream(Phase.values())
                .filter(p -> p.name().equalsIgnoreCase(state))
                .findFirst()
                .map(Goal::phase)
                .orElseThrow(() -> new CliException(
                        ExitCode.USAGE,
                        "--for must be a phase ("
                                + String.join(
                                        ", ",
                                        Arrays.stream(Phase.values())
                                                .map(Enum::name)
                                                .toList()) + ") or delete, not '" + state + "'"));
    }
}
