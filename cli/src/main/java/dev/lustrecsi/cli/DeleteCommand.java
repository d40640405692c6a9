package dev.lustrecsi.cli;

import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "delete",
        description = {
            "Delete a filesystem and its server VMs; refused while PVCs use it.",
            "Persistent volumes of the CSI driver that live on it block the deletion unless --force is given."
        })
final class DeleteCommand extends FileSystemCommand {
    @Option(names = "--force", description = "delete even though PVCs use it (their pods lose the filesystem)")
    boolean force;

    @Mixin
    WaitOptions waitOptions;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        FileSystems fileSystems = fileSystems();
        LustreFileSystem fs = fileSystems.require(name);
        List<Claims.Claim> claims = Claims.using(root.client(), fileSystems.namespace(), name);
        if (!claims.isEmpty() && !force) {
            throw new CliException(
                    ExitCode.REFUSED,
                    "lustrefilesystem \"" + name + "\" is used by " + claims.size()
                            + (claims.size() == 1 ? " volume: " : " volumes: ")
                            + claims.stream().map(Claims.Claim::display).collect(Collectors.joining(", "))
                            + "; delete those PVCs first, or use --force");
        }
        if (!claims.isEmpty()) {
            err.println("warning: deleting " + name + " while " + claims.size() + " volume(s) still use it");
        }
        fileSystems.resource(name).delete();
        boolean keepsDisks = fs.getSpec().getDiskDeletionPolicy() != DiskDeletionPolicy.Delete;
        err.println("lustrefilesystem/" + name + " deleted"
                + (keepsDisks
                        ? " (target disks are retained: diskDeletionPolicy Retain)"
                        : " (with its target disks)"));
        err.flush();
        waitOptions.awaitIfAsked(fileSystems, err, name, Goal.deleted(), null);
        return ExitCode.OK;
    }
}
