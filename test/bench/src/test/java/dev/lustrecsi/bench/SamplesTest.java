package dev.lustrecsi.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void summarisesByNearestRank() {
        Samples s = new Samples();
        for (int i = 100; i >= 1; i--) {
            s.add(i);
        }
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.median()).isEqualTo(50);
        assertThat(s.p99()).isEqualTo(99);
        assertThat(s.max()).isEqualTo(100);
    }

    @Test
    void aSingleSampleIsEveryStatistic() {
        Samples s = new Samples();
        s.addNanosAsMillis(2_500_000);
        assertThat(s.min()).isEqualTo(2.5);
        assertThat(s.median()).isEqualTo(2.5);
        assertThat(s.p99()).isEqualTo(2.5);
    }

    @Test
    void noSamplesGiveNoFigure() {
        assertThat(new Samples().median()).isNaN();
    }

    @Test
    void theTableShowsTargetsAndMissesPlainly() {
        ResultTable t = new ResultTable();
        Samples s = new Samples();
        s.add(12.345);
        t.add(Figure.of("b", "latency, ms", s, "p99 <= 50 ms", true, ""));
        t.add(Figure.single("b", "ratio", 1.75, "<= 1.5", false, "why it is what it is"));
        t.add(Figure.skipped("c", "needs root"));
        String text = t.render("test machine");
        assertThat(text)
                .startsWith("Machine: test machine")
                .contains("| b | latency, ms | 1 | 12.35 | 12.35 | 12.35 | p99 <= 50 ms | yes |")
                .contains("| b | ratio | 1 |  | 1.75 |  | <= 1.5 | **no** |")
                .contains("| c | (not run) | 0 |")
                .contains("- b / ratio: why it is what it is")
                .contains("- c / (not run): needs root");
    }
}
