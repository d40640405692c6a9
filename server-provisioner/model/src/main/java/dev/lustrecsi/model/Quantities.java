package dev.lustrecsi.model;

import io.fabric8.kubernetes.api.model.Quantity;

/** Byte arithmetic on Kubernetes quantities, tolerant of unset or malformed values (the validator reports those). */
public final class Quantities {
    private Quantities() {}

    public static long bytes(Quantity q) {
        if (q == null || q.getAmount() == null || q.getAmount().isBlank()) {
            return 0;
        }
        try {
            return Quantity.getAmountInBytes(q).longValueExact();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Bytes as the largest exact binary unit ({@code 400Gi}), as a person would write it. */
    public static Quantity format(long bytes) {
        String[] units = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (units.length - i));
            if (bytes >= unit && bytes % unit == 0) {
                return new Quantity(bytes / unit + units[i]);
            }
        }
        return new Quantity(String.valueOf(bytes));
    }
}
