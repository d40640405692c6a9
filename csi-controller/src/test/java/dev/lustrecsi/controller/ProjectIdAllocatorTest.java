package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProjectIdAllocatorTest {
    private final ProjectIdAllocator allocator = new ProjectIdAllocator(100, 105);

    @Test
    void takesTheLowestIdFreeInBothLedgerAndDisk() {
        assertThat(allocator.allocate(List.of(), Set.of())).isEqualTo(100);
        assertThat(allocator.allocate(List.of(100L, 101L), Set.of())).isEqualTo(102);
        // A directory on the pool still carrying an id (made by an admin, or left by a crash) is never reused.
        assertThat(allocator.allocate(List.of(100L), Set.of(101L, 102L))).isEqualTo(103);
        // Freed ids are reused: the records are the truth, not a counter.
        assertThat(allocator.allocate(List.of(101L, 102L), Set.of())).isEqualTo(100);
        // Ids outside the range (an admin's) do not matter.
        assertThat(allocator.allocate(List.of(5L, 99999L), Set.of(7L))).isEqualTo(100);
    }

    @Test
    void asksAboutCandidatesLowestFirstFromTheHintAndNeverBelowTheRange() {
        List<Long> asked = new java.util.ArrayList<>();
        long id = allocator.allocate(101, candidate -> {
            asked.add(candidate);
            return candidate == 101L || candidate == 102L;
        });
        assertThat(id).isEqualTo(103);
        assertThat(asked).containsExactly(101L, 102L, 103L);
        assertThat(allocator.allocate(3, candidate -> false)).isEqualTo(100);
        assertThatThrownBy(() -> allocator.allocate(100, candidate -> true)).hasMessageContaining("100..105");
    }

    @Test
    void saysWhenTheRangeIsUsedUp() {
        assertThatThrownBy(() -> allocator.allocate(List.of(100L, 101L, 102L, 103L, 104L, 105L), Set.of()))
                .hasMessageContaining("100..105");
    }

    @Test
    void refusesRangesLustreCannotHold() {
        assertThatThrownBy(() -> new ProjectIdAllocator(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProjectIdAllocator(1, 4294967295L)).isInstanceOf(IllegalArgumentException.class);
    }
}
