package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.SpecValidator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import picocli.CommandLine.Mixin;

/**
 * A command that changes one filesystem's spec (scale, upgrade): the change is validated as the operator would
 * before anything is written, applied unless the spec already says so, then {@code --wait} and {@code -o} apply.
 */
abstract class SpecChangeCommand extends FileSystemCommand {
    @Mixin
    WaitOptions waitOptions;

    @Mixin
    OutputOption output;

    /**
     * What the command would change on {@code current}.
     *
     * @param edit       writes the change into a spec (a copy for validation, then the stored resource)
     * @param concerns   the validation problems this change is answerable for (older ones are not its business)
     * @param refusal    the heading of the usage error listing those problems
     * @param unchanged  the message when the spec already says so (nothing is written), or null when it does not
     * @param done       the messages after the change was written
     * @param goal       what {@code --wait} waits for
     */
    record Change(
            Consumer<LustreFileSystemSpec> edit,
            Predicate<String> concerns,
            String refusal,
            String unchanged,
            List<String> done,
            Goal goal) {}

    abstract Change plan(LustreFileSystem current);

    @Override
    public final Integer call() {
        var err = spec.commandLine().getErr();
        FileSystems fileSystems = fileSystems();
        LustreFileSystem current = fileSystems.require(name);
        Change change = plan(current);
        LustreFileSystem wanted = Serialization.clone(current);
        change.edit().accept(wanted.getSpec());
        List<String> problems = SpecValidator.validate(name, wanted.getSpec()).stream()
                .filter(change.concerns())
                .toList();
        if (!problems.isEmpty()) {
            throw invalid(change.refusal(), problems);
        }
        LustreFileSystem result = current;
        if (change.unchanged() != null) {
            err.println(change.unchanged());
        } else {
            result = fileSystems.resource(name).edit(fs -> {
                change.edit().accept(fs.getSpec());
                return fs;
            });
            change.done().forEach(err::println);
        }
        err.flush();
        result = waitOptions.awaitIfAsked(fileSystems, err, name, change.goal(), result);
        output.printIfMachineReadable(spec.commandLine().getOut(), result);
        return ExitCode.OK;
    }
}
