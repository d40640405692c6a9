package dev.lustrecsi.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "doctor",
        description = {
            "Check a cluster for what the driver needs: CSIDriver registered, node plugins ready,"
                    + " Lustre client modules and LNet networks on the nodes, KubeVirt and its version,"
                    + " Multus / SR-IOV, a default StorageClass for the servers' block target disks."
                    + " Prints each missing thing with its fix.",
            "Exit code 0 when nothing required is missing (warnings allowed), 1 otherwise."
        })
final class DoctorCommand implements Callable<Integer> {
    @ParentCommand
    KubectlLustre root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Doctor.Finding> findings = new Doctor(root.client()).run();
        int width = findings.stream().mapToInt(f -> f.check().length()).max().orElse(0);
        long missing = 0;
        for (Doctor.Finding f : findings) {
            String mark = switch (f.level()) {
                case OK -> "ok     ";
                case WARN -> "warn   ";
                case MISSING -> "MISSING";
            };
            out.printf("%s  %-" + width + "s  %s%n", mark, f.check(), f.detail());
            if (f.level() != Doctor.Level.OK) {
                out.printf("%s  %-" + width + "s  fix: %s%n", "       ", "", f.fix());
            }
            if (f.level() == Doctor.Level.MISSING) {
                missing++;
            }
        }
        out.println(missing == 0 ? "Nothing required is missing." : missing + " required thing(s) missing.");
        out.flush();
        return missing == 0 ? ExitCode.OK : ExitCode.FAILED;
    }
}
