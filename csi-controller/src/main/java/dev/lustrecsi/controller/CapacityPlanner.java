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
 *
 * <p>Scale-in only after drain: while an earlier scale-in is still draining (or an earlier growth is not yet in
 * service), the count is never lowered; it is decided again on the settled pool. Growth is never held back.
 *
 * <p>Why the steady state stays within the band: after the last shrink the pool has at most
 * {@code requests x (1 + headroom + band)} plus one OSS step. The step is what the pool's OST size decides, which is
 * why a StorageClass can state {@code maxPoolSize} and let {@link #ostSizeFor} choose the OST size from it (docs/
 * decisions/0009-pool-elasticity.md). Demand oscillating by less than {@code band / (1 + headroom + band)} of itself
 * never moves the count both ways, whatever the step.
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
        return desiredOsts(pool, requestedBytes, currentOsts, true);
    }

    /**
     * The OST count the pool should have, given whether its last change has settled.
     *
     * @param scaleSettled false while OSTs are still draining from an earlier scale-in or an earlier growth is not
     *     yet in service: the count is then never lowered (scale-in only after drain)
     */
    public int desiredOsts(PoolSizing pool, long requestedBytes, int currentOsts, boolean scaleSettled) {
        requireFits(pool, requestedBytes);
        int current = Math.min(Math.max(currentOsts, pool.minOsts()), pool.maxOsts());
        int grow = needed(pool, requestedBytes, pool.headroomPercent());
        if (current < grow) {
            return grow;
        }
        if (!scaleSettled) {
            return current;
        }
        int shrink = needed(pool, requestedBytes, pool.headroomPercent() + shrinkBandPercent);
        return Math.min(current, shrink);
    }

    public int shrinkBandPercent() {
        return shrinkBandPercent;
    }

    /**
     * The OST size a pool gets when its StorageClass states the most it may hold ({@code maxPoolSize}) rather than an
     * OST size: the smallest whole GiB with which {@code maxOsts} OSTs hold {@code maxPoolBytes}, at least 1 GiB. A
     * pool grows and shrinks in steps of {@code ostsPerOss} such OSTs, so the step is {@code maxPoolSize x ostsPerOss
     * / maxOsts}: what the StorageClass trades between fewer servers and a tighter fit. Chosen once, when the pool is
     * created, and written into its {@code spec.ostSize} (an OST cannot be resized; Lustre keeps its index for good).
     */
    public static long ostSizeFor(long maxPoolBytes, int maxOsts) {
        if (maxPoolBytes <= 0 || maxOsts < 1) {
            throw new IllegalArgumentException("need a positive pool size and maxOsts >= 1");
        }
        long gi = 1L << 30;
        // Ceilings without an addition that could overflow near Long.MAX_VALUE.
        long perOst = maxPoolBytes / maxOsts + (maxPoolBytes % maxOsts == 0 ? 0 : 1);
        long gibs = perOst / gi + (perOst % gi == 0 ? 0 : 1);
        // Saturates at the largest whole GiB a long holds (no real pool comes near).
        return Math.max(1, Math.min(gibs, Long.MAX_VALUE / gi)) * gi;
    }

    /**
     * OSS servers a pool sized by {@code maxPoolSize} may grow to when its StorageClass does not give {@code maxOsts}:
     * one step is then 1/128 of {@code maxPoolSize}, so after deletions the pool keeps at most requests x (1 + headroom
     * + band) + maxPoolSize / 128: within 1.25 x requests, with the 10 % defaults, while the requests stay above
     * maxPoolSize / 6.4 (docs/decisions/0009-pool-elasticity.md).
     */
    public static final int DEFAULT_OSS_STEPS = 128;

    /**
     * The smallest OST the driver chooses by itself: below it a server VM costs more than the capacity a finer step
     * saves. Far above Lustre's own floor (mkfs.lustre refuses an ldiskfs target under 32 MB: "size of filesystem must
     * be larger than 32MB", lustre-release lustre/utils/libmount_utils_ldiskfs.c).
     */
    public static final long MIN_CHOSEN_OST_BYTES = 32L << 30;

    /**
     * The OST count a pool sized by {@code maxPoolSize} may grow to when its StorageClass does not say: {@link
     * #DEFAULT_OSS_STEPS} OSS servers of {@code ostsPerOss} OSTs, fewer when the OSTs would be smaller than {@link
     * #MIN_CHOSEN_OST_BYTES}; at least one server. At most 128 x 8 = 1024 OSTs, within the driver's 4096 and far
     * within what Lustre indexes (an OST index is at most 0xffff: mkfs.lustre {@code --index}).
     */
    public static int maxOstsFor(long maxPoolBytes, int ostsPerOss) {
        if (maxPoolBytes <= 0 || ostsPerOss < 1) {
            throw new IllegalArgumentException("need a positive pool size and ostsPerOss >= 1");
        }
        // Rounded down, so the OSTs ostSizeFor then chooses are never below the floor (unless one server is all).
        long servers = maxPoolBytes / (MIN_CHOSEN_OST_BYTES * ostsPerOss);
        return (int) Math.max(1, Math.min(servers, DEFAULT_OSS_STEPS)) * ostsPerOss;
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
