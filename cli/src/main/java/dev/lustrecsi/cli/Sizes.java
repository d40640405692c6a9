package dev.lustrecsi.cli;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;

/** Byte counts for people (binary units, as Kubernetes quantities use) and quantities from the command line. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {}

    static String human(Long bytes) {
        if (bytes == null) {
            return "-";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return unit == 0
                ? bytes + " B"
                : (v >= 100 || v == Math.floor(v)
                        ? String.format("%.0f %s", v, UNITS[unit])
                        : String.format("%.1f %s", v, UNITS[unit]));
    }

    /** Bytes of a quantity such as {@code 4Ti}; a usage error naming the option otherwise. */
    static long parse(String option, String text) {
        try {
            BigDecimal b = Quantity.getAmountInBytes(new Quantity(text));
            if (b.signum() <= 0) {
                throw new IllegalArgumentException("not positive");
            }
            return b.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (RuntimeException e) {
            throw new CliException(
                    ExitCode.USAGE, option + " '" + text + "' must be a positive size such as 100Gi or 4Ti");
        }
    }
}
