package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import java.util.Objects;
import java.util.function.Predicate;

/** A state a command can wait for; {@code null} stands for "the resource is gone". */
record Goal(String description, boolean deletion, Predicate<LustreFileSystem> reached) {

    static Goal ready() {
        return new Goal(
                "Ready", false, fs -> Status.of(fs).getPhase() == Phase.Ready && Status.observedCurrentSpec(fs));
    }

    static Goal phase(Phase phase) {
        if (phase == Phase.Ready) {
            return ready();
        }
        return new Goal(phase.name(), false, fs -> Status.of(fs).getPhase() == phase && Status.observedCurrentSpec(fs));
    }

    /** Ready with as many active OSTs as the spec asks for. */
    static Goal scaled() {
        return readyAnd(
                "Ready with the requested OSTs",
                fs -> Objects.equals(Status.of(fs).getActiveOsts(), fs.getSpec().getOstCount()));
    }

    /** Ready with every server on the spec's Lustre version. */
    static Goal upgraded() {
        return readyAnd(
                "Ready on the requested Lustre version",
                fs -> Objects.equals(
                        Status.of(fs).getLustreVersion(), fs.getSpec().getLustreVersion()));
    }

    /** Ready, and the status shows what the spec asks for ({@code applied}). */
    private static Goal readyAnd(String description, Predicate<LustreFileSystem> applied) {
        return new Goal(description, false, fs -> ready().reached().test(fs) && applied.test(fs));
    }

    static Goal deleted() {
        return new Goal("deleted", true, fs -> false);
    }
}
