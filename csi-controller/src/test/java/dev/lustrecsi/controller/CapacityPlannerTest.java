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
    void rejectsNonsenseSizing() {
        assertThatThrownBy(() -> new PoolSizing(0, 1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PoolSizing(GI, 1, 5, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> planner.desiredOsts(pool, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
