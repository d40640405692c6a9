package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --wait} and {@code --timeout}, shared by the commands that change a filesystem. */
final class WaitOptions {
    @Option(names = "--wait", description = "wait until the change is complete, printing progress to stderr")
    boolean wait;

    @Option(
            names = "--timeout",
            defaultValue = "30m",
            converter = DurationConverter.class,
            description =
                    "how long --wait waits, e.g. 90s, 20m, 2h (default: ${DEFAULT-VALUE}); exit code 5 when exceeded")
    Duration timeout;

    /**
     * With {@code --wait}: the resource once {@code goal} is reached (progress on {@code progress}); else
     * {@code current}.
     */
    LustreFileSystem awaitIfAsked(
            FileSystems fileSystems, PrintWriter progress, String name, Goal goal, LustreFileSystem current) {
        return wait ? new Waiter(fileSystems, progress).await(name, goal, timeout) : current;
    }

    /** kubectl's duration spelling: a number with s, m or h. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d+)(s|m|h)");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration such as 90s, 20m or 2h");
            }
            Duration d;
            try {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                // More digits than a long holds, or more hours than a Duration holds: say so, not a stack trace.
                throw new TypeConversionException("'" + value + "' is too long a duration");
            }
            if (d.isZero()) {
                throw new TypeConversionException("timeout must be positive");
            }
            return d;
        }
    }
}
