package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.SpecValidator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "scale", description = {"Set the number of OSTs (growing adds OSS VMs, shrinking drains them first).",
        "Shrinking migrates the objects off the OSTs being removed before their servers go."})
final class ScaleCommand extends FileSystemCommand {
    @Option(names = "--osts", required = true, paramLabel = "N", description = "desired number of OSTs")
    int osts;

    @Mixin
    WaitOptions waitOptions;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        FileSystems fileSystems = fileSystems();
        LustreFileSystem current = fileSystems.require(name);
        int before = current.getSpec().getOstCount() == null ? 0 : current.getSpec().getOstCount();

        LustreFileSystem wanted = Serialization.clone(current);
        wanted.getSpec().setOstCount(osts);
        List<String> problems = SpecValidator.validate(name, wanted.getSpec()).stream()
                .filter(p -> p.contains("ostCount") || p.contains("scalePolicy") || p.contains("addresses")).toList();
        if (!problems.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "cannot scale " + name + " to " + osts + " OSTs:\n  - "
                    + String.join("\n  - ", problems));
        }
        LustreFileSystem result = current;
        if (before == osts) {
            err.println("lustrefilesystem/" + name + " already has " + osts + " OSTs");
        } else {
            result = fileSystems.resource(name).edit(fs -> {
                fs.getSpec().setOstCount(osts);
                return fs;
            });
            err.println("lustrefilesystem/" + name + " scaled from " + before + " to " + osts + " OSTs"
                    + (osts < before ? " (OSTs are drained before removal)" : ""));
            if (current.getSpec().getScalePolicy() != null) {
                err.println("note: the CSI controller adjusts the OST count within its scale policy as claims change");
            }
        }
        err.flush();
        if (waitOptions.wait) {
            result = new Waiter(fileSystems, err).await(name, Goal.scaled(), waitOptions.timeout);
        }
        if (output.format != OutputFormat.text) {
            output.format.print(spec.commandLine().getOut(), result);
        }
        return ExitCode.OK;
    }
}
