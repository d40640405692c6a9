package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.SpecValidator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "upgrade", description = {"Move the servers to another Lustre version, one server at a time.",
        "The operator restarts each server VM on the new image; clients stay mounted and recover each server in turn."})
final class UpgradeCommand extends FileSystemCommand {
    @Option(names = "--version", required = true, paramLabel = "V", description = "Lustre version, e.g. 2.15.6")
    String version;

    @Option(names = "--image", description = "server VM image for that version (default: the current image with tag V)")
    String image;

    @Mixin
    WaitOptions waitOptions;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        FileSystems fileSystems = fileSystems();
        LustreFileSystem current = fileSystems.require(name);
        String from = current.getSpec().getLustreVersion();
        String newImage = image != null ? image : retag(current.getSpec().getImage(), from, version);

        LustreFileSystem wanted = Serialization.clone(current);
        wanted.getSpec().setLustreVersion(version);
        wanted.getSpec().setImage(newImage);
        List<String> problems = SpecValidator.validate(name, wanted.getSpec()).stream()
                .filter(p -> p.contains("lustreVersion") || p.contains("image")).toList();
        if (!problems.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "cannot upgrade " + name + ":\n  - " + String.join("\n  - ", problems));
        }
        LustreFileSystem result = current;
        if (version.equals(from) && newImage.equals(current.getSpec().getImage())) {
            err.println("lustrefilesystem/" + name + " is already on Lustre " + version);
        } else {
            result = fileSystems.resource(name).edit(fs -> {
                fs.getSpec().setLustreVersion(version);
                fs.getSpec().setImage(newImage);
                return fs;
            });
            err.println("lustrefilesystem/" + name + " upgrading from Lustre " + from + " to " + version + " (" + newImage + ")");
        }
        err.flush();
        if (waitOptions.wait) {
            result = new Waiter(fileSystems, err).await(name, Goal.upgraded(), waitOptions.timeout);
        }
        if (output.format != OutputFormat.text) {
            output.format.print(spec.commandLine().getOut(), result);
        }
        return ExitCode.OK;
    }

    /** {@code repo:2.15.5} → {@code repo:2.15.6}; only when the tag is the current version, else ask for --image. */
    static String retag(String image, String from, String to) {
        String suffix = ":" + from;
        if (image == null || from == null || !image.endsWith(suffix)) {
            throw new CliException(ExitCode.USAGE, "cannot tell the image for Lustre " + to + " from '" + image
                    + "' (its tag is not the current version " + from + "): give --image");
        }
        return image.substring(0, image.length() - suffix.length()) + ":" + to;
    }
}
