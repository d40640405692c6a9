package dev.lustrecsi.model;

import io.fabric8.kubernetes.api.model.MicroTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Kubernetes timestamps as the API server parses them (k8s.io/apimachinery pkg/apis/meta/v1): a
 * {@code metav1.Time} is RFC 3339 to the second ({@code time.RFC3339}); a {@code metav1.MicroTime}
 * (an Event's {@code eventTime}, a Lease's renew time) is parsed with the layout {@code RFC3339Micro},
 * {@code 2006-01-02T15:04:05.000000Z07:00}: exactly six fractional digits. Java's {@code Instant.toString()}
 * and {@code ISO_INSTANT} write 0, 3, 6 or 9 digits depending on the clock, which a real API server refuses
 * with 400 for a MicroTime. Every timestamp the driver writes goes through here.
 */
public final class ApiTime {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

    private ApiTime() {}

    /** A {@code metav1.Time}: {@code 2026-12-06T00:13:22Z}. */
    public static String time(Instant t) {
        return SECONDS.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /** A {@code metav1.MicroTime} string: {@code 2026-12-06T00:13:22.123456Z}. */
    public static String microTimeString(Instant t) {
        return MICROS.format(t.truncatedTo(ChronoUnit.MICROS));
    }

    /** A {@code metav1.MicroTime} for fabric8's builders. */
    public static MicroTime microTime(Instant t) {
        return new MicroTime(microTimeString(t));
    }
}
