package dev.lustrecsi.model;

import io.fabric8.kubernetes.api.model.Quantity;

/** Byte arithmetic on Kubernetes quantities, tolerant of unset or malformed values (the validator reports those). */
public final class Quantities {
    private Quantities() {
    }

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
}
