package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.csi.server.ReadinessCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probe answers from the last LNet configuration at once; the configuration itself runs in the background. */
class LnetReadinessTest {
    @TempDir
    Path dir;

    private NodePlugin plugin;
    private final List<Runnable> queued = new ArrayList<>();
    /** The background thread, run by the test when it chooses. */
    private final Executor background = queued::add;

    private final AtomicLong now = new AtomicLong();

    @BeforeEach
    void start() {
        plugin = new NodePlugin(dir);
    }

    @AfterEach
    void stop() {
        plugin.close();
    }

    private void runBackground() {
        List<Runnable> tasks = List.copyOf(queued);
        queued.clear();
        tasks.forEach(Runnable::run);
    }

    @Test
    void theFirstProbeAnswersAtOnceNotReadyWhileLnetIsConfiguredInTheBackground() {
        LnetReadiness readiness = new LnetReadiness(plugin.lnet, background, Duration.ofSeconds(30), now::get);

        ReadinessCheck.Result first = readiness.check();

        assertThat(first.ready()).isFalse();
        assertThat(first.detail()).isEqualTo(LnetReadiness.STARTING);
        assertThat(plugin.standIns.calls("modprobe"))
                .as("no tool ran inside Probe")
                .isEmpty();
        assertThat(readiness.check()).as("one background run at a time").isEqualTo(first);
        assertThat(queued).hasSize(1);

        runBackground();

        ReadinessCheck.Result after = readiness.check();
        assertThat(after.ready()).isTrue();
        assertThat(after.detail()).contains("LNet up: 10.7.0.50@tcp");
        assertThat(queued).as("a fresh ready answer starts no new run").isEmpty();
    }

    @Test
    void anAnswerOlderThanItsAgeIsGivenOnceMoreWhileANewRunFindsWhatChanged() {
        LnetReadiness readiness = new LnetReadiness(plugin.lnet, background, Duration.ofSeconds(30), now::get);
        assertThat(readiness.refresh().ready()).isTrue();

        plugin.standIns.missingModules(true); // the client goes away (e.g. modules removed by an admin)
        now.addAndGet(Duration.ofSeconds(31).toNanos());

        assertThat(readiness.check().ready())
                .as("the last answer, until the new run ends")
                .isTrue();
        runBackground();
        ReadinessCheck.Result gone = readiness.check();
        assertThat(gone.ready()).isFalse();
        assertThat(gone.detail()).contains("Module lustre not found");

        plugin.standIns.missingModules(false); // installed again: a not-ready answer is rechecked at every Probe
        runBackground();
        assertThat(readiness.check().ready()).isTrue();
    }
}
