package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LustreMountOptionsTest {

    @Test
    void parsesTrimsAndDeduplicates() {
        assertThat(LustreMountOptions.parse(" flock , noatime,flock,,")).containsExactly("flock", "noatime");
        assertThat(LustreMountOptions.parse("")).isEmpty();
        assertThat(LustreMountOptions.parse(null)).isEmpty();
    }

    @Test
    void refusesOptionsOutsideTheAllowList() {
        assertThatThrownBy(() -> LustreMountOptions.parse("flock,suid")).hasMessageContaining("'suid' is not allowed");
        assertThatThrownBy(() -> LustreMountOptions.parse("exec")).hasMessageContaining("'exec'");
        // Options with values could smuggle in anything (devices, tunables): none are allowed.
        assertThatThrownBy(() -> LustreMountOptions.parse("max_cached_mb=1")).hasMessageContaining("not allowed");
        assertThatThrownBy(() -> LustreMountOptions.validate(List.of("ro", "rw"))).hasMessageContaining("contradict");
    }
}
