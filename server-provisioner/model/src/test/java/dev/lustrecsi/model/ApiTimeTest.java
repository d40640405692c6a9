package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiTimeTest {

    @Test
    void aMicroTimeHasExactlySixFractionalDigitsWhateverTheClockPrecision() {
        assertThat(ApiTime.microTimeString(Instant.parse("2026-12-06T00:13:22.123456789Z")))
                .isEqualTo("2026-12-06T00:13:22.123456Z");
        assertThat(ApiTime.microTimeString(Instant.parse("2026-12-06T00:13:22.120Z")))
                .isEqualTo("2026-12-06T00:13:22.120000Z");
        assertThat(ApiTime.microTimeString(Instant.parse("2026-12-06T00:13:22Z")))
                .isEqualTo("2026-12-06T00:13:22.000000Z");
    }

    @Test
    void aTimeIsToTheSecondInUtc() {
        assertThat(ApiTime.time(Instant.parse("2026-12-06T00:13:22.999999999Z")))
                .isEqualTo("2026-12-06T00:13:22Z");
    }
}
