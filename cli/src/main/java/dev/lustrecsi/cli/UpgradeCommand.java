package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "upgrade",
        description = {
            "Move the servers to another Lustre version, one server at a time.",
            "The operator restarts each server VM on the new image;"
                    + " clients stay mounted and recover each server in turn."
        })
final class UpgradeCommand extends SpecChangeCommand {
    @Option(names = "--version", required = true, paramLabel = "V", description = "Lustre version, e.g. 2.15.6")
    String version;

    @Option(names = "--image", description = "server VM image for that version (default: the current image with tag V)")
    String image;

    @Override
    Change plan(LustreFileSystem current) {
        String from = current.getSpec().getLustreVersion();
        String newImage = image != null ? image : retag(current.getSpec().getImage(), from, version);
        boolean already =
                version.equals(from) && newImage.equals(current.getSpec().getImage());
        return new Change(
                s -> {
                    s.setLustreVersion(version);
                    s.setImage(newImage);
                },
                p -> p.contains("lustreVersion") || p.contains("image"),
                "cannot upgrade " + name,
                already ? "lustrefilesystem/" + name + " is already on Lustre " + version : null,
                List.of("lustrefilesystem/" + name + " upgrading from Lustre " + from + " to " + version + " ("
                        + newImage + ")"),
                Goal.upgraded());
    }

    /** {@code repo:2.15.5} → {@code repo:2.15.6}; only when the tag is the current version, else ask for --image. */
    static String retag(String image, String from, String to) {
        String suffix = ":" + from;
        if (image == null || from == null || !image.endsWith(suffix)) {
            throw new CliException(
                    ExitCode.USAGE,
                    "cannot tell the image for Lustre " + to + " from '" + image
                            + "' (its tag is not the current version " + from + "): give --image");
        }
        return image.substring(0, image.length() - suffix.length()) + ":" + to;
    }
}
