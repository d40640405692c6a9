package dev.lustrecsi.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VolumeIdTest {

    @Test
    void sharedPoolVolumeRoundTrips() {
        VolumeId id = new VolumeId("research", "pool-fast", "fast01", "pvc-0b1c2d3e-aaaa-bbbb-cccc-0123456789ab");
        String encoded = id.encode();
        assertThat(encoded).isEqualTo("v1:research:pool-fast:fast01:pvc-0b1c2d3e-aaaa-bbbb-cccc-0123456789ab");
        assertThat(VolumeId.parse(encoded)).isEqualTo(id);
        assertThat(id.isManaged()).isTrue();
        assertThat(id.pathInFilesystem()).isEqualTo("/pvc-0b1c2d3e-aaaa-bbbb-cccc-0123456789ab");
    }

    @Test
    void externalWholeFilesystemHasEmptyParts() {
        VolumeId id = VolumeId.external("scratch", "");
        assertThat(id.encode()).isEqualTo("v1:::scratch:");
        assertThat(VolumeId.parse("v1:::scratch:")).isEqualTo(id);
        assertThat(id.isManaged()).isFalse();
        assertThat(id.isWholeFilesystem()).isTrue();
        assertThat(id.pathInFilesystem()).isEqualTo("/");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", "v2:ns:fs:lustre:dir", "v1:ns:fs:lustre", "v1:ns:fs:lustre:dir:extra",
                "v1:ns:fs:lustre:..", "v1:ns:fs:lustre:a..b", "v1:ns:fs:lustre:a/b", "v1:ns:fs:lustre:.hidden",
                "v1:ns:fs:toolongname:dir", "v1:ns::lustre:dir", "v1::fs:lustre:dir", "v1:NS:fs:lustre:dir",
                "v1:ns:fs:lus tre:dir", "v1:ns:fs:lustre:dir\n", "v1:ns:fs:-lustre:dir", "v1:ns:fs:lustre:dir;rm"
            })
    void rejectsMalformedOrTraversingIds(String bad) {
        assertThatThrownBy(() -> VolumeId.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        assertThat(VolumeId.tryParse(bad)).isEmpty();
    }

    @Test
    void rejectsIdsLongerThanTheCsiLimit() {
        String longName = "a".repeat(60);
        assertThatThrownBy(() -> new VolumeId(longName, longName, "fs", "dir"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("128");
        assertThatThrownBy(() -> VolumeId.parse("v1:::fs:" + "d".repeat(130)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
