package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
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
    void acceptsLustreClientOptionsSplittingCommasAndDroppingDuplicates() {
        assertThat(LustreMountOptions.check(List.of("flock,user_xattr", " noatime ", "lazystatfs", "flock", "")))
                .containsExactly("flock", "user_xattr", "noatime", "lazystatfs");
        assertThat(LustreMountOptions.check(List.of("async", "nouser_fid2path")))
                .containsExactly("async", "nouser_fid2path");
        assertThat(LustreMountOptions.check(List.of())).isEmpty();
    }

    @Test
    void refusesOptionsOutsideTheAllowListNamingThem() {
        assertThatThrownBy(() -> LustreMountOptions.parse("flock,suid")).hasMessageContaining("'suid'");
        assertThatThrownBy(() -> LustreMountOptions.check(List.of("flock,suid", "dev")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'suid'")
                .hasMessageContaining("'dev'")
                .hasMessageContaining("allowed:");
        for (String bad : List.of(
                "remount",
                "bind",
                "rbind",
                "exec",
                "context=x",
                "uid=0",
                "noflock=1",
                "-o",
                "FLOCK",
                // Options with values could smuggle in anything (devices, tunables): none are allowed.
                "max_cached_mb=1")) {
            assertThatThrownBy(() -> LustreMountOptions.check(List.of(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refusesDefaultsAndUserFid2pathWhichReopenWhatThePolicyKeepsOut() {
        // mount(8): defaults = rw,suid,dev,exec,auto,nouser,async.
        assertThatThrownBy(() -> LustreMountOptions.parse("defaults")).hasMessageContaining("'defaults'");
        // llite: user_fid2path lets any user fid2path/rmfid across the filesystem (other volumes of a pool).
        assertThatThrownBy(() -> LustreMountOptions.parse("user_fid2path")).hasMessageContaining("'user_fid2path'");
    }

    @Test
    void refusesContradictions() {
        assertThatThrownBy(() -> LustreMountOptions.check(List.of("flock", "localflock")))
                .hasMessageContaining("conflicting");
        assertThatThrownBy(() -> LustreMountOptions.check(List.of("ro,rw"))).hasMessageContaining("conflicting");
        assertThatThrownBy(() -> LustreMountOptions.parse("noatime,relatime")).hasMessageContaining("conflicting");
    }

    @Test
    void aReadOnlyMountOverridesRwInsteadOfConflictingWithIt() {
        assertThat(LustreMountOptions.readOnly(List.of("flock,rw", "noatime")))
                .containsExactly("flock", "noatime", "ro");
        assertThat(LustreMountOptions.readOnly(List.of())).containsExactly("ro");
        assertThatThrownBy(() -> LustreMountOptions.readOnly(List.of("suid"))).hasMessageContaining("'suid'");
    }

    @Test
    void aHugeListOfRefusedOptionsGivesABoundedMessage() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 600_000; i++) {
            many.add("opt" + i);
        }
        many.add("x".repeat(1 << 20) + "\nforged log line");
        assertThatThrownBy(() -> LustreMountOptions.check(many))
                .satisfies(e -> assertThat(e.getMessage())
                        .hasSizeLessThan(1200)
                        .doesNotContain("\n")
                        .contains("and 599993 more"));
    }
}
