package dev.lustrecsi.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.lustre.testing.MountNamespace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness works end to end at tiny sizes (bin/bench runs it for real): the controller on its
 * socket creates and deletes shared-pool volumes through the stand-ins and every concurrency yields figures.
 * Only that figures exist is checked, never how fast they are.
 */
class HarnessSmokeTest {
    @TempDir
    Path tmp;

    @Test
    void createDeleteBenchmarkProducesFiguresForEachConcurrency() throws Exception {
        MountNamespace.assumePrivate();
        ResultTable table = new ResultTable();
        new CreateDeleteBench(new int[] {1, 2}, 3, 1).run(tmp, table);

        List<Figure> figures = table.figures();
        // On a real control plane of its own where the binaries are installed, else on the mock; the labels say which.
        String api = CreateDeleteBench.apiServer();
        assertThat(figures)
                .extracting(Figure::quantity)
                .containsSubsequence(
                        "CreateVolume latency, ms (concurrency 1, " + api + ")",
                        "DeleteVolume latency, ms (concurrency 1, " + api + ")",
                        "creates/s (concurrency 1, " + api + ", 3 per round)",
                        "CreateVolume latency, ms (concurrency 2, " + api + ")",
                        "DeleteVolume latency, ms (concurrency 2, " + api + ")",
                        "creates/s (concurrency 2, " + api + ", 3 per round)",
                        "calibration: one stand-in lfs run (bash script), ms");
        // Each round's creates are one sample each (the profile's wall-time shares, single figures, come first).
        assertThat(figures)
                .filteredOn(f -> f.quantity().equals("CreateVolume latency, ms (concurrency 1, " + api + ")"))
                .singleElement()
                .satisfies(f -> assertThat(f.runs()).isEqualTo(3));
        assertThat(figures).allSatisfy(f -> assertThat(f.median()).isPositive());
        assertThat(table.render("smoke"))
                .contains("| create-delete | CreateVolume latency, ms (concurrency 1, " + api + ") | 3 |");
    }
}
