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
        return new Goal(
                "Ready with the requested OSTs",
                false,
                fs -> ready().reached().test(fs)
                        && Objects.equals(
                                Status.of(fs).getActiveOsts(), fs.getSpec().getOstCount()));
    }

    /** Ready with every server on the spec's Lustre version. */
    static Goal upgraded() {
        return new Goal(
                "Ready on the requested Lustre version",
                false,
                fs -> ready().reached().test(fs)
                        && Objects.equals(
                                Status.of(fs).getLustreVersion(), fs.getSpec().getLustreVersion()));
    }

    static Goal deleted() {
        return new Goal("deleted", true, fs -> false);
    }
}
