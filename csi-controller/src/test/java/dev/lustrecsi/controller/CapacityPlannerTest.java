package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.controller.CapacityPlanner.CapacityExhaustedException;
import dev.lustrecsi.controller.CapacityPlanner.PoolSizing;
import org.junit.jupiter.api.Test;

class CapacityPlannerTest {
    private static final long GI = 1L << 30;
    /** 100Gi OSTs, one per OSS, 1..10 OSTs, 20% headroom. */
    private final PoolSizing pool = new PoolSizing(100 * GI, 1, 1, 10, 20);
    /** 25% band: a pool shrinks only when it would still have 45% headroom. */
    private final CapacityPlanner planner = new CapacityPlanner(25);

    @Test
    void growsToCoverRequestsPlusHeadroom() {
        // 250Gi + 20% = 300Gi -> 3 OSTs exactly; 251Gi + 20% > 300Gi -> 4.
        assertThat(planner.desiredOsts(pool, 250 * GI, 1)).isEqualTo(3);
        assertThat(planner.desiredOsts(pool, 251 * GI, 1)).isEqualTo(4);
        assertThat(planner.desiredOsts(pool, 0, 1)).isEqualTo(1);
    }

    @Test
    void neverGoesBelowMinOrAboveMax() {
        PoolSizing min3 = new PoolSizing(100 * GI, 1, 3, 10, 20);
        assertThat(planner.desiredOsts(min3, 0, 3)).isEqualTo(3);
        assertThat(planner.desiredOsts(min3, 0, 1)).isEqualTo(3);
        // 950Gi fits in 10 OSTs but not with 20% headroom: headroom is best-effort at the top.
        assertThat(planner.desiredOsts(pool, 950 * GI, 4)).isEqualTo(10);
    }

    @Test
    void refusesRequestsBeyondMaxOstsWithTheNumbers() {
        assertThatThrownBy(() -> planner.desiredOsts(pool, 1001 * GI, 10))
                .isInstanceOf(CapacityExhaustedException.class)
                .hasMessageContaining(Long.toString(1001 * GI))
                .hasMessageContaining("10 OSTs")
                .hasMessageContaining(Long.toString(100 * GI))
                .hasMessageContaining(Long.toString(1000 * GI));
        assertThat(planner.desiredOsts(pool, 1000 * GI, 10)).isEqualTo(10);
    }

    @Test
    void shrinksOnlyPastTheHysteresisBandAndKeepsTheBand() {
        // 6 OSTs hold 500Gi; requests fall to 300Gi: 20% headroom needs 4, 45% needs 5 -> shrink to 5, not 4.
        assertThat(planner.desiredOsts(pool, 300 * GI, 6)).isEqualTo(5);
        // Inside the band nothing changes: 5 OSTs with 300Gi (needs 4 for growth, 5 with the band).
        assertThat(planner.desiredOsts(pool, 300 * GI, 5)).isEqualTo(5);
        // A small create right after the shrink does not grow again.
        assertThat(planner.desiredOsts(pool, 320 * GI, 5)).isEqualTo(5);
        // A small delete right after does not shrink again.
        assertThat(planner.desiredOsts(pool, 290 * GI, 5)).isEqualTo(5);
    }

    @Test
    void aBurstOfCreatesAndDeletesSettlesWithoutFlapping() {
        int osts = 1;
        int changes = 0;
        long requested = 0;
        // 40 creates of 20Gi, then 40 deletes, then the same again: count direction changes of the OST count.
        int lastDirection = 0;
        int reversals = 0;
        for (int round = 0; round < 2; round++) {
            for (int step = 0; step < 80; step++) {
                requested += step < 40 ? 20 * GI : -20 * GI;
                int next = planner.desiredOsts(pool, requested, osts);
                if (next != osts) {
                    changes++;
                    int direction = Integer.signum(next - osts);
                    if (lastDirection != 0 && direction != lastDirection) {
                        reversals++;
                    }
                    lastDirection = direction;
                    osts = next;
                }
                // Capacity always covers the requests.
                assertThat(pool.capacityBytes(osts)).isGreaterThanOrEqualTo(requested);
            }
        }
        // Grow, shrink, grow, shrink: three reversals over two full cycles, never a back-and-forth within one ramp.
        assertThat(reversals).isEqualTo(3);
        assertThat(osts).isEqualTo(1);
        System.out.println("OST count changes over two create/delete cycles: " + changes);
    }

    @Test
    void alternatingCreateDeleteAtAThresholdDoesNotFlap() {
        // 250Gi needs exactly 3 OSTs with headroom; one more 10Gi volume needs 4.
        int osts = planner.desiredOsts(pool, 260 * GI, 3);
        assertThat(osts).isEqualTo(4);
        for (int i = 0; i < 20; i++) {
            osts = planner.desiredOsts(pool, 250 * GI, osts);
            assertThat(osts).isEqualTo(4);
            osts = planner.desiredOsts(pool, 260 * GI, osts);
            assertThat(osts).isEqualTo(4);
        }
    }

    @Test
    void countsMoveInWholeOssServers() {
        PoolSizing twoPerOss = new PoolSizing(100 * GI, 2, 2, 10, 0);
        assertThat(planner.desiredOsts(twoPerOss, 250 * GI, 2)).isEqualTo(4);
        assertThat(planner.desiredOsts(twoPerOss, 401 * GI, 2)).isEqualTo(6);
    }

    @Test
    void handlesHugeNumbersWithoutOverflow() {
        PoolSizing huge = new PoolSizing(Long.MAX_VALUE / 2, 1, 1, 4096, 90);
        assertThat(planner.desiredOsts(huge, Long.MAX_VALUE, 1)).isEqualTo(4);
        assertThat(huge.maxCapacityBytes()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void neverLowersTheCountWhileAnEarlierScaleInIsStillDraining() {
        // 6 OSTs, 300Gi requested: a settled pool shrinks to 5; one still draining (or still growing) keeps 6.
        assertThat(planner.desiredOsts(pool, 300 * GI, 6, true)).isEqualTo(5);
        assertThat(planner.desiredOsts(pool, 300 * GI, 6, false)).isEqualTo(6);
        assertThat(planner.desiredOsts(pool, 10 * GI, 6, false)).isEqualTo(6);
        // Growth is never held back: the requests must fit.
        assertThat(planner.desiredOsts(pool, 700 * GI, 6, false)).isEqualTo(9);
    }

    @Test
    void neverPlansBelowTheRequestsPlusHeadroom() {
        java.util.Random random = new java.util.Random(7);
        for (int band : new int[] {0, 5, 10, 25}) {
            CapacityPlanner p = new CapacityPlanner(band);
            for (int i = 0; i < 20_000; i++) {
                int perOss = 1 + random.nextInt(4);
                int max = perOss * (1 + random.nextInt(64));
                PoolSizing sizing =
                        new PoolSizing((1 + random.nextInt(1024)) * GI, perOss, perOss, max, random.nextInt(30));
                long requested = (long) (random.nextDouble() * sizing.maxCapacityBytes());
                int current = perOss * (1 + random.nextInt(max / perOss));
                int desired = p.desiredOsts(sizing, requested, current, random.nextBoolean());
                long wanted = (long) Math.ceil(requested * (1 + sizing.headroomPercent() / 100.0));
                // Headroom is best-effort only at maxOsts; the requests themselves always fit.
                assertThat(sizing.capacityBytes(desired)).isGreaterThanOrEqualTo(requested);
                if (desired < max) {
                    assertThat(sizing.capacityBytes(desired))
                            .as("band %d, %s, %d bytes requested, %d OSTs now", band, sizing, requested, current)
                            .isGreaterThanOrEqualTo(wanted);
                }
                assertThat(desired % perOss).isZero();
            }
        }
    }

    @Test
    void demandOscillatingInsideTheBandNeverMovesTheCountBothWays() {
        // The default policy (10% headroom, 10% band) on small and large steps: a swing of demand by less than
        // band / (1 + headroom + band) = 8.3% of itself, started anywhere, moves the count in one direction at most.
        CapacityPlanner p = new CapacityPlanner(10);
        for (long ostGi : new long[] {16, 64, 256, 1024}) {
            PoolSizing sizing = new PoolSizing(ostGi * GI, 1, 1, 4096, 10);
            for (long level = 100 * GI; level < 20_000 * GI; level += 37 * GI) {
                int osts = p.desiredOsts(sizing, level, 1, true);
                int directions = 0;
                int last = 0;
                for (int i = 0; i < 40; i++) {
                    long demand = i % 2 == 0 ? level : level - level * 8 / 100;
                    int next = p.desiredOsts(sizing, demand, osts, true);
                    int d = Integer.signum(next - osts);
                    if (d != 0 && d != last) {
                        directions++;
                        last = d;
                    }
                    osts = next;
                }
                assertThat(directions)
                        .as("%dGi OSTs around %d bytes", ostGi, level)
                        .isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void afterABurstIsMostlyDeletedThePoolKeepsAtMostHeadroomPlusBandPlusOneStep() {
        // The elasticity bench's shape: about 13.4Ti at the peak, 2.6-2.9Ti left. The pool ends within
        // [1.10, 1.20 + one step]: with 1Ti OSTs a step is over a third of what is left; with 256Gi OSTs
        // (maxPoolSize 16Ti over 64) rounding can still land above 1.25 (the bench's 2775Gi: 14 OSTs, 1.29); with
        // 128Gi OSTs (over 128) a step is under 5% and no amount left in that range ends above 1.25.
        CapacityPlanner p = new CapacityPlanner(10);
        long peak = 13_700 * GI;
        for (int maxOsts : new int[] {16, 64, 128}) {
            long ostSize = maxOsts == 16 ? 1024 * GI : CapacityPlanner.ostSizeFor(16L << 40, maxOsts);
            PoolSizing sizing = new PoolSizing(ostSize, 1, 1, maxOsts, 10);
            double worst = 0;
            for (long left = 2_600 * GI; left <= 2_900 * GI; left += 5 * GI) {
                int osts = p.desiredOsts(sizing, peak, 1, true);
                osts = p.desiredOsts(sizing, left, osts, true);
                double ratio = (double) sizing.capacityBytes(osts) / left;
                assertThat(ratio).isGreaterThanOrEqualTo(1.10);
                assertThat(ratio).isLessThanOrEqualTo(1.20 + (double) ostSize / left);
                worst = Math.max(worst, ratio);
            }
            if (maxOsts == 128) {
                assertThat(worst).isLessThanOrEqualTo(1.25);
            } else {
                assertThat(worst).as("%d-byte OSTs", ostSize).isGreaterThan(1.25);
            }
        }
        PoolSizing quarterTi = new PoolSizing(256 * GI, 1, 1, 64, 10);
        assertThat(p.desiredOsts(quarterTi, 2775 * GI, 60, true)).isEqualTo(14);
    }

    @Test
    void theOstSizeChosenFromMaxPoolSizeHoldsItInMaxOstsWholeGibOsts() {
        assertThat(CapacityPlanner.ostSizeFor(16L << 40, 64)).isEqualTo(256 * GI);
        assertThat(CapacityPlanner.ostSizeFor(100 * GI, 16)).isEqualTo(7 * GI);
        assertThat(CapacityPlanner.ostSizeFor(GI, 4096)).isEqualTo(GI);
        // Saturates instead of overflowing.
        assertThat(CapacityPlanner.ostSizeFor(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE / GI * GI);
        assertThatThrownBy(() -> CapacityPlanner.ostSizeFor(0, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPoolSizedOnlyByMaxPoolSizeGrowsToAtMost128ServersOfOstsNoSmallerThan32Gib() {
        // One step is 1/128 of the pool's largest size when that leaves OSTs of at least 32Gi...
        assertThat(CapacityPlanner.maxOstsFor(16L << 40, 1)).isEqualTo(128);
        assertThat(CapacityPlanner.ostSizeFor(16L << 40, 128)).isEqualTo(128 * GI);
        assertThat(CapacityPlanner.maxOstsFor(16L << 40, 4)).isEqualTo(512);
        assertThat(CapacityPlanner.ostSizeFor(16L << 40, 512)).isEqualTo(32 * GI);
        assertThat(CapacityPlanner.maxOstsFor(Long.MAX_VALUE, 8)).isEqualTo(1024);
        // ...otherwise as many 32Gi-or-larger OSTs as the size holds, and at least one server.
        assertThat(CapacityPlanner.maxOstsFor(1L << 40, 1)).isEqualTo(32);
        assertThat(CapacityPlanner.maxOstsFor(100 * GI, 1)).isEqualTo(3);
        assertThat(CapacityPlanner.ostSizeFor(100 * GI, 3)).isEqualTo(34 * GI);
        assertThat(CapacityPlanner.maxOstsFor(10 * GI, 2)).isEqualTo(2);
        for (long size = GI; size < (64L << 40); size = size * 3 + 7) {
            int osts = CapacityPlanner.maxOstsFor(size, 1);
            assertThat(osts).isBetween(1, CapacityPlanner.DEFAULT_OSS_STEPS);
            assertThat(osts == 1 || CapacityPlanner.ostSizeFor(size, osts) >= CapacityPlanner.MIN_CHOSEN_OST_BYTES)
                    .as("%d bytes over %d OSTs", size, osts)
                    .isTrue();
        }
        assertThatThrownBy(() -> CapacityPlanner.maxOstsFor(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CapacityPlanner.maxOstsFor(GI, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPoolGivenOnlyMaxPoolSizeEndsWithin125PercentOnceFiveSixthsOfItsPeakAreDeleted() {
        // The default policy (headroom 10 %, band 10 %) on a pool whose StorageClass states only maxPoolSize: filled
        // to its largest size, then emptied down to any amount between a sixth of maxPoolSize and the peak, it keeps
        // between 1.10 and 1.25 x the requests.
        CapacityPlanner p = new CapacityPlanner(10);
        for (long maxPool : new long[] {4L << 40, 16L << 40, 100L << 40}) {
            int maxOsts = CapacityPlanner.maxOstsFor(maxPool, 1);
            PoolSizing sizing = new PoolSizing(CapacityPlanner.ostSizeFor(maxPool, maxOsts), 1, 1, maxOsts, 10);
            long peak = maxPool * 10 / 11;
            int atPeak = p.desiredOsts(sizing, peak, 1, true);
            for (long left = maxPool / 6; left <= peak; left += maxPool / 997) {
                int osts = p.desiredOsts(sizing, left, atPeak, true);
                double ratio = (double) sizing.capacityBytes(osts) / left;
                assertThat(ratio).as("%d of %d bytes left", left, maxPool).isBetween(1.10, 1.25);
            }
        }
    }

    @Test
    void rejectsNonsenseSizing() {
        assertThatThrownBy(() -> new PoolSizing(0, 1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PoolSizing(GI, 1, 5, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> planner.desiredOsts(pool, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
