package dev.lustrecsi.controller;

import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Decides how many OSTs a pool should have for the volumes it holds. A pure function of the pool's sizing,
 * the sum of its volumes' requests and its current OST count, so it is trivially testable and the same
 * answer comes out after a restart.
 *
 * <p>Growth is immediate: when the OSTs do not cover the requests plus {@code headroomPercent}, the count
 * rises to the smallest one that does. Shrinking waits for a wider margin: only when the current count
 * exceeds what requests plus {@code headroomPercent + shrinkBandPercent} would need, and then only down to
 * that larger figure. Between the two thresholds nothing changes, so a burst of creates and deletes does not
 * make the operator add and drain OSTs back and forth. Counts move in whole OSS servers ({@code ostsPerOss}).
 */
public final class CapacityPlanner {

    /** The sizing of one pool, as its LustreFileSystem spec states it. */
    public record PoolSizing(long ostSizeBytes, int ostsPerOss, int minOsts, int maxOsts, int headroomPercent) {
        public PoolSizing {
            if (ostSizeBytes <= 0) {
                throw new IllegalArgumentException("OST size must be positive");
            }
            if (ostsPerOss < 1 || minOsts < 1 || maxOsts < minOsts) {
                throw new IllegalArgumentException("need 1 <= minOsts <= maxOsts and ostsPerOss >= 1, got min "
                        + minOsts + " max " + maxOsts + " per OSS " + ostsPerOss);
            }
            if (headroomPercent < 0) {
                throw new IllegalArgumentException("headroom must be >= 0");
            }
        }

        /** The most the pool can ever hold: {@code maxOsts x ostSize} (saturating). */
        public long maxCapacityBytes() {
            return saturate(BigInteger.valueOf(maxOsts).multiply(BigInteger.valueOf(ostSizeBytes)));
        }

        public long capacityBytes(int osts) {
            return saturate(BigInteger.valueOf(osts).multiply(BigInteger.valueOf(ostSizeBytes)));
        }
    }

    /** Thrown when the requests cannot fit even at {@code maxOsts}. The message carries the numbers. */
    public static final class CapacityExhaustedException extends RuntimeException {
        public CapacityExhaustedException(String message) {
            super(message);
        }
    }

    private final int shrinkBandPercent;

    /** @param shrinkBandPercent extra headroom a pool keeps when it shrinks (the hysteresis band) */
    public CapacityPlanner(int shrinkBandPercent) {
        if (shrinkBandPercent < 0) {
            throw new IllegalArgumentException("shrink band must be >= 0");
        }
        this.shrinkBandPercent = shrinkBandPercent;
    }

    /**
     * The OST count the pool should have.
     *
     * @param requestedBytes sum of the capacities of every volume on the pool (including a new one)
     * @param currentOsts    the pool's {@code spec.ostCount} now
     * @throws CapacityExhaustedException when {@code requestedBytes} exceeds {@code maxOsts x ostSize}
     */
    public int desiredOsts(PoolSizing pool, long requestedBytes, int currentOsts) {
        requireFits(pool, requestedBytes);
        int current = Math.min(Math.max(currentOsts, pool.minOsts()), pool.maxOsts());
        int grow = needed(pool, requestedBytes, pool.headroomPercent());
        if (current < grow) {
            return grow;
        }
        int shrink = needed(pool, requestedBytes, pool.headroomPercent() + shrinkBandPercent);
        return Math.min(current, shrink);
    }

    /** @throws CapacityExhaustedException when the requests exceed what the pool can grow to */
    public void requireFits(PoolSizing pool, long requestedBytes) {
        if (requestedBytes < 0) {
            throw new IllegalArgumentException("requested bytes must be >= 0");
        }
        if (requestedBytes > pool.maxCapacityBytes()) {
            throw new CapacityExhaustedException(
                    "requests total " + requestedBytes + " bytes but the pool can grow to at most " + pool.maxOsts()
                            + " OSTs x " + pool.ostSizeBytes() + " bytes = " + pool.maxCapacityBytes() + " bytes");
        }
    }

    /** Smallest whole-OSS count, within [min, max], whose capacity covers the requests plus the headroom. */
    static int needed(PoolSizing pool, long requestedBytes, int headroomPercent) {
        BigInteger want = BigInteger.valueOf(requestedBytes).multiply(BigInteger.valueOf(100L + headroomPercent));
        BigInteger perOst = BigInteger.valueOf(pool.ostSizeBytes()).multiply(BigInteger.valueOf(100));
        BigInteger osts = new java.math.BigDecimal(want)
                .divide(new java.math.BigDecimal(perOst), 0, RoundingMode.CEILING)
                .toBigInteger();
        BigInteger step = BigInteger.valueOf(pool.ostsPerOss());
        BigInteger rounded =
                osts.add(step).subtract(BigInteger.ONE).divide(step).multiply(step);
        int count = rounded.min(BigInteger.valueOf(pool.maxOsts())).intValue();
        // Headroom is best-effort at the top: the requests themselves fit (checked), the margin may not.
        return Math.max(count, pool.minOsts());
    }

    private static long saturate(BigInteger value) {
        return value.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }
}
