package dev.lustrecsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionPolicyTest {
    private final MountOptionPolicy policy = new MountOptionPolicy();

    @Test
    void acceptsLustreClientOptionsSplittingCommasAndDroppingDuplicates() {
        assertThat(policy.check(List.of("flock,user_xattr", " noatime ", "lazystatfs", "flock", "")))
                .containsExactly("flock", "user_xattr", "noatime", "lazystatfs");
        assertThat(policy.check(List.of())).isEmpty();
    }

    @Test
    void refusesEverythingElseNamingIt() {
        assertThatThrownBy(() -> policy.check(List.of("flock,suid", "dev")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'suid'").hasMessageContaining("'dev'").hasMessageContaining("allowed:");
        for (String bad : List.of("remount", "bind", "rbind", "exec", "context=x", "uid=0", "noflock=1", "-o", "FLOCK")) {
            assertThatThrownBy(() -> policy.check(List.of(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refusesContradictions() {
        assertThatThrownBy(() -> policy.check(List.of("flock", "localflock"))).hasMessageContaining("conflicting");
        assertThatThrownBy(() -> policy.check(List.of("ro,rw"))).hasMessageContaining("conflicting");
    }
}
