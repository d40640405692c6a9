package dev.lustrecsi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** {@code --timeout} takes kubectl's duration spelling and refuses anything else with a message, never a crash. */
class WaitOptionsTest {
    private final WaitOptions.DurationConverter converter = new WaitOptions.DurationConverter();

    @Test
    void secondsMinutesAndHoursAreRead() {
        assertThat(converter.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(converter.convert("20m")).isEqualTo(Duration.ofMinutes(20));
        assertThat(converter.convert(" 2h ")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void otherSpellingsAndZeroAreRefused() {
        assertThatThrownBy(() -> converter.convert("1d"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'1d' is not a duration such as 90s, 20m or 2h");
        assertThatThrownBy(() -> converter.convert("-5m")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> converter.convert("0s"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("timeout must be positive");
    }

    @Test
    void aNumberTooLargeForADurationIsAUsageErrorNotANumberFormatException() {
        assertThatThrownBy(() -> converter.convert("99999999999999999999s"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'99999999999999999999s' is too long a duration");
        assertThatThrownBy(() -> converter.convert("9223372036854775807h"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessage("'9223372036854775807h' is too long a duration");
    }
}
