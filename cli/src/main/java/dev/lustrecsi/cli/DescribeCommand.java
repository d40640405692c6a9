package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.model.TargetStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "describe",
        description = "Show a filesystem in detail: phase, conditions, servers, targets, NIDs, capacity"
                + " and the PVCs using it.")
final class DescribeCommand extends FileSystemCommand {
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        FileSystems fileSystems = fileSystems();
        LustreFileSystem fs = fileSystems.require(name);
        List<Claims.Claim> claims = Claims.using(root.client(), fileSystems.namespace(), name);
        if (output.format != OutputFormat.text) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("filesystem", fs);
            doc.put("claims", claims);
            output.format.print(out, doc);
            return ExitCode.OK;
        }
        LustreFileSystemSpec s = fs.getSpec();
        LustreFileSystemStatus st = Status.of(fs);
        out.printf("Name:            %s%n", name);
        out.printf("Namespace:       %s%n", fileSystems.namespace());
        out.printf("Fsname:          %s%n", s.getFsName());
        out.printf("Phase:           %s%n", Status.phase(fs));
        out.printf("Age:             %s%n", Status.age(fs, Instant.now()));
        out.printf(
                "Lustre version:  %s (running: %s)%n",
                s.getLustreVersion(), st.getLustreVersion() == null ? "-" : st.getLustreVersion());
        out.printf("Image:           %s%n", s.getImage());
        out.printf(
                "Network:         %s%s%n",
                s.getNetwork() == null ? "tcp" : s.getNetwork().getType().lnetName(),
                s.getNetwork() != null && s.getNetwork().usesAttachment()
                        ? " via " + s.getNetwork().getAttachment()
                        : " (pod network)");
        out.printf("MGS NIDs:        %s%n", Status.nids(fs));
        out.printf(
                "Mount source:    %s%n",
                st.getMgsNids() == null || st.getMgsNids().isEmpty()
                        ? "-"
                        : String.join(":", st.getMgsNids()) + ":/" + s.getFsName());
        out.printf(
                "OSTs:            %s active/desired, %s each, %d per OSS%n",
                Status.osts(fs), s.getOstSize(), s.getOstsPerOss());
        out.printf("MDTs:            %d of %s%n", s.getMdtCount(), s.getMdtSize());
        out.printf("Capacity:        %s%n", Sizes.human(st.getCapacityBytes()));
        if (s.getScalePolicy() != null) {
            out.printf(
                    "Scale policy:    %s..%s OSTs, %s%% headroom%n",
                    s.getScalePolicy().getMinOsts() == null
                            ? "1"
                            : s.getScalePolicy().getMinOsts(),
                    s.getScalePolicy().getMaxOsts() == null
                            ? "-"
                            : s.getScalePolicy().getMaxOsts(),
                    s.getScalePolicy().getHeadroomPercent());
        }
        out.println("Conditions:");
        if (st.getConditions() == null || st.getConditions().isEmpty()) {
            out.println("  <none>");
        } else {
            Table t = new Table("  TYPE", "STATUS", "REASON", "MESSAGE");
            for (Condition c : st.getConditions()) {
                t.row("  " + c.getType(), c.getStatus(), c.getReason(), c.getMessage());
            }
            t.print(out);
        }
        out.println("Servers:");
        if (st.getServers() == null || st.getServers().isEmpty()) {
            out.println("  <none>");
        } else {
            Table t = new Table("  NAME", "ROLE", "READY", "NID", "VERSION");
            for (ServerStatus v : st.getServers()) {
                t.row(
                        "  " + v.getName(),
                        v.getRole() + (v.runsMgs() && v.getRole() != dev.lustrecsi.model.ServerRole.MGS ? "+MGS" : ""),
                        String.valueOf(v.readyNow()),
                        v.getNid(),
                        v.getLustreVersion());
            }
            t.print(out);
        }
        out.println("Targets:");
        if (st.getTargets() == null || st.getTargets().isEmpty()) {
            out.println("  <none>");
        } else {
            Table t = new Table("  NAME", "KIND", "STATE", "SERVER", "SIZE", "DISK");
            for (TargetStatus v : st.getTargets()) {
                t.row(
                        "  " + v.getName(),
                        String.valueOf(v.getKind()),
                        String.valueOf(v.getState()),
                        v.getServer(),
                        Sizes.human(v.getSizeBytes()),
                        v.getPvc());
            }
            t.print(out);
        }
        out.println("Used by:");
        if (claims.isEmpty()) {
            out.println("  <no PVCs>");
        } else {
            Table t = new Table("  PVC", "VOLUME", "CAPACITY", "DIRECTORY");
            for (Claims.Claim c : claims) {
                t.row("  " + c.display(), c.volume(), c.capacity(), c.subdir().isEmpty() ? "/" : "/" + c.subdir());
            }
            t.print(out);
        }
        out.flush();
        return ExitCode.OK;
    }
}
