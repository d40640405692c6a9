package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.KubernetesList;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "get",
        description = "List Lustre filesystems, or show one: phase, OSTs (active/desired), capacity, MGS NIDs.")
final class GetCommand implements Callable<Integer> {
    @ParentCommand
    KubectlLustre root;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "NAME",
            description = "one filesystem (default: all in the namespace)")
    String name;

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "list filesystems in every namespace")
    boolean allNamespaces;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        FileSystems fileSystems = new FileSystems(root.client(), allNamespaces ? null : root.namespace());
        List<LustreFileSystem> items;
        if (name != null) {
            if (allNamespaces) {
                throw new CliException(ExitCode.USAGE, "a NAME cannot be combined with --all-namespaces");
            }
            items = List.of(fileSystems.require(name));
        } else {
            items = (allNamespaces
                            ? fileSystems.api().inAnyNamespace().list()
                            : fileSystems
                                    .api()
                                    .inNamespace(fileSystems.namespace())
                                    .list())
                    .getItems().stream()
                            .sorted(Comparator.comparing((LustreFileSystem f) ->
                                            f.getMetadata().getNamespace())
                                    .thenComparing(f -> f.getMetadata().getName()))
                            .toList();
        }
        if (output.format != OutputFormat.text) {
            Object printed = name != null ? items.get(0) : null;
            if (name == null) {
                // kubectl's shape for several objects: a v1 List.
                KubernetesList list = new KubernetesList();
                list.setItems(new ArrayList<>(items));
                printed = list;
            }
            output.format.print(out, printed);
            return ExitCode.OK;
        }
        if (items.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("No LustreFileSystems found in "
                            + (allNamespaces ? "any namespace." : "namespace " + fileSystems.namespace() + "."));
            spec.commandLine().getErr().flush();
            return ExitCode.OK;
        }
        Instant now = Instant.now();
        Table table = allNamespaces
                ? new Table("NAMESPACE", "NAME", "FSNAME", "PHASE", "OSTS", "CAPACITY", "VERSION", "MGS NIDS", "AGE")
                : new Table("NAME", "FSNAME", "PHASE", "OSTS", "CAPACITY", "VERSION", "MGS NIDS", "AGE");
        for (LustreFileSystem fs : items) {
            String[] cells = {
                fs.getMetadata().getName(),
                fs.getSpec().getFsName(),
                Status.phase(fs),
                Status.osts(fs),
                Sizes.human(Status.of(fs).getCapacityBytes()),
                fs.getSpec().getLustreVersion(),
                Status.nids(fs),
                Status.age(fs, now)
            };
            if (allNamespaces) {
                String[] withNs = new String[cells.length + 1];
                withNs[0] = fs.getMetadata().getNamespace();
                System.arraycopy(cells, 0, withNs, 1, cells.length);
                cells = withNs;
            }
            table.row(cells);
        }
        table.print(out);
        return ExitCode.OK;
    }
}
