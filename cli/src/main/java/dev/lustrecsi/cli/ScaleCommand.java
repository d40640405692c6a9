package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "scale",
        description = {
            "Set the number of OSTs (growing adds OSS VMs, shrinking drains them first).",
            "Shrinking migrates the objects off the OSTs being removed before their servers go."
        })
final class ScaleCommand extends SpecChangeCommand {
    @Option(names = "--osts", required = true, paramLabel = "N", description = "desired number of OSTs")
    int osts;

    @Override
    Change plan(LustreFileSystem current) {
        int before =
                current.getSpec().getOstCount() == null ? 0 : current.getSpec().getOstCount();
        List<String> done = new ArrayList<>(List.of("lustrefilesystem/" + name + " scaled from " + before + " to "
                + osts + " OSTs" + (osts < before ? " (OSTs are drained before removal)" : "")));
        if (current.getSpec().getScalePolicy() != null) {
            done.add("note: the CSI controller adjusts the OST count within its scale policy as claims change");
        }
        return new Change(
                s -> s.setOstCount(osts),
                p -> p.contains("ostCount") || p.contains("scalePolicy") || p.contains("addresses"),
                "cannot scale " + name + " to " + osts + " OSTs",
                before == osts ? "lustrefilesystem/" + name + " already has " + osts + " OSTs" : null,
                done,
                Goal.scaled());
    }
}
