package dev.lustrecsi.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.controller.StorageClassParameters.Mode;
import dev.lustrecsi.controller.StorageClassParameters.Reclaim;
import dev.lustrecsi.model.NetworkType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StorageClassParametersTest {
    private static final long GI = 1L << 30;

    @Test
    void sharedDefaults() {
        StorageClassParameters p = StorageClassParameters.parse(Map.of("pool", "scratch"));
        assertThat(p.mode()).isEqualTo(Mode.SHARED);
        assertThat(p.pool()).isEqualTo("scratch");
        assertThat(p.ostSizeBytes()).isEqualTo(100 * GI);
        assertThat(p.minOsts()).isEqualTo(1);
        assertThat(p.maxOsts()).isEqualTo(16);
        assertThat(p.headroomPercent()).isEqualTo(10);
        assertThat(p.network()).isEqualTo(NetworkType.TCP);
        assertThat(p.onDelete()).isEqualTo(Reclaim.DELETE);
        assertThat(p.mountOptions()).isEmpty();
        assertThat(p.stripeCount()).isZero();
        assertThat(p.directoryMode()).isEqualTo(0777);
    }

    @Test
    void everyParameter() {
        Map<String, String> raw = new HashMap<>();
        raw.put("mode", "shared");
        raw.put("pool", "hpc-pool");
        raw.put("namespace", "storage");
        raw.put("fsName", "hpc1");
        raw.put("ostSize", "500Gi");
        raw.put("ostsPerOss", "2");
        raw.put("minOsts", "2");
        raw.put("maxOsts", "20");
        raw.put("headroomPercent", "10");
        raw.put("stripeCount", "-1");
        raw.put("stripeSize", "4Mi");
        raw.put("network", "o2ib");
        raw.put("networkAttachment", "storage/ib0");
        raw.put("networkAddresses", "192.168.50.10/24, 192.168.50.11/24");
        raw.put("mountOptions", "flock,noatime");
        raw.put("onDelete", "archive");
        raw.put("directoryMode", "0770");
        raw.put("serverImage", "registry.example.org/lustre/server:2.15.5");
        raw.put("lustreVersion", "2.15.5");
        raw.put("csi.storage.k8s.io/pvc/name", "data");
        raw.put("csi.storage.k8s.io/pvc/namespace", "team-a");
        StorageClassParameters p = StorageClassParameters.parse(raw);
        assertThat(p.namespace()).contains("storage");
        assertThat(p.fsName()).contains("hpc1");
        assertThat(p.ostSizeBytes()).isEqualTo(500 * GI);
        assertThat(p.ostsPerOss()).isEqualTo(2);
        assertThat(p.minOsts()).isEqualTo(2);
        assertThat(p.maxOsts()).isEqualTo(20);
        assertThat(p.headroomPercent()).isEqualTo(10);
        assertThat(p.stripeCount()).isEqualTo(-1);
        assertThat(p.stripeSizeBytes()).isEqualTo(4L << 20);
        assertThat(p.network()).isEqualTo(NetworkType.O2IB);
        assertThat(p.networkAttachment()).contains("storage/ib0");
        assertThat(p.networkAddresses()).containsExactly("192.168.50.10/24", "192.168.50.11/24");
        assertThat(p.mountOptions()).containsExactly("flock", "noatime");
        assertThat(p.onDelete()).isEqualTo(Reclaim.ARCHIVE);
        assertThat(p.directoryMode()).isEqualTo(0770);
        assertThat(p.serverImage()).contains("registry.example.org/lustre/server:2.15.5");
        assertThat(p.lustreVersion()).contains("2.15.5");
    }

    @Test
    void dedicatedNeedsNoPool() {
        StorageClassParameters p = StorageClassParameters.parse(Map.of("mode", "dedicated", "maxOsts", "4"));
        assertThat(p.mode()).isEqualTo(Mode.DEDICATED);
        assertThat(p.maxOsts()).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "mode|replicated|mode must be 'shared' or 'dedicated'",
                "pool|../etc|pool '../etc' must be a DNS label",
                "pool|UPPER|must be a DNS label",
                "fsName|toolongname|fsName 'toolongname' must be 1-8",
                "ostSize|lots|ostSize 'lots' must be a positive quantity",
                "ostSize|-5Gi|ostSize '-5Gi' must be a positive quantity",
                "ostSize|100Mi|ostSize must be at least 1Gi",
                "minOsts|0|minOsts must be between 1 and 4096",
                "maxOsts|x|maxOsts must be an integer",
                "headroomPercent|95|headroomPercent must be between 0 and 90",
                "maxPoolSize|lots|maxPoolSize 'lots' must be a positive quantity",
                "maxPoolSize|0|maxPoolSize '0' must be a positive quantity",
                "stripeCount|-2|stripeCount must be between -1 and 2000",
                "stripeSize|100Ki|stripe size must be a multiple of 64KiB",
                "network|ib|network must be 'tcp' or 'o2ib'",
                "networkAddresses|10.0.0.1|must be IPv4 with a prefix length",
                "mountOptions|flock,suid|mount options not allowed: 'suid'",
                "mountOptions|exec;rm -rf /|not allowed: 'exec;rm -rf /'",
                "mountOptions|noatime,relatime|conflicting mount options: noatime, relatime",
                "mountOptions|defaults|not allowed: 'defaults'",
                "onDelete|shred|onDelete must be 'delete' or 'archive'",
                "directoryMode|4777|directoryMode '4777' must be an octal mode",
                "serverImage|$(reboot)|is not a container image reference",
                "lustreVersion|latest|lustreVersion 'latest' must look like 2.15.5",
                "colour|blue|unknown parameter 'colour'",
            })
    void rejectsEachBadValueWithAClearMessage(String key, String value, String message) {
        Map<String, String> raw = new HashMap<>(Map.of("pool", "p"));
        raw.put(key, value);
        assertThatThrownBy(() -> StorageClassParameters.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void maxPoolSizeChoosesTheOstSizeFromThePoolsDemandAndMaxOsts() {
        // 16Ti over at most 64 OSTs: 256Gi OSTs, so the pool moves in 1/64 of its largest size.
        StorageClassParameters p =
                StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "16Ti", "maxOsts", "64"));
        assertThat(p.ostSizeBytes()).isEqualTo(256 * GI);
        assertThat(p.maxOsts()).isEqualTo(64);
        // Rounded up to a whole GiB so maxOsts OSTs always hold maxPoolSize.
        assertThat(StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "100Gi", "maxOsts", "16"))
                        .ostSizeBytes())
                .isEqualTo(7 * GI);
    }

    @Test
    void maxPoolSizeAloneLetsTheDriverChooseBothTheOstCountAndTheOstSize() {
        // 16Ti and nothing else: 128 OSS servers at most, of 128Gi OSTs (a step of 1/128 of the pool).
        StorageClassParameters p = StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "16Ti"));
        assertThat(p.maxOsts()).isEqualTo(128);
        assertThat(p.ostSizeBytes()).isEqualTo(128 * GI);
        // Four OSTs per server: still 128 servers, of four 32Gi OSTs each.
        p = StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "16Ti", "ostsPerOss", "4"));
        assertThat(p.maxOsts()).isEqualTo(512);
        assertThat(p.ostSizeBytes()).isEqualTo(32 * GI);
        // A small pool gets fewer OSTs rather than OSTs under 32Gi.
        p = StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "100Gi"));
        assertThat(p.maxOsts()).isEqualTo(3);
        assertThat(p.ostSizeBytes()).isEqualTo(34 * GI);
        // minOsts above the chosen count raises it.
        p = StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "100Gi", "minOsts", "4"));
        assertThat(p.maxOsts()).isEqualTo(4);
        assertThat(p.ostSizeBytes()).isEqualTo(25 * GI);
        // Without maxPoolSize the defaults are unchanged: 100Gi OSTs, at most 16.
        p = StorageClassParameters.parse(Map.of("pool", "p"));
        assertThat(p.maxOsts()).isEqualTo(16);
        assertThat(p.ostSizeBytes()).isEqualTo(100 * GI);
    }

    @Test
    void maxPoolSizeAndOstSizeTogetherAreRejected() {
        assertThatThrownBy(() ->
                        StorageClassParameters.parse(Map.of("pool", "p", "maxPoolSize", "16Ti", "ostSize", "1Ti")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set ostSize or maxPoolSize, not both");
        assertThatThrownBy(() -> StorageClassParameters.parse(Map.of("mode", "dedicated", "maxPoolSize", "16Ti")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPoolSize only applies to shared mode");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> StorageClassParameters.parse(Map.of("minOsts", "8", "maxOsts", "4", "onDelete", "x")))
                .hasMessageContaining("pool is required in shared mode")
                .hasMessageContaining("minOsts 8 is larger than maxOsts 4")
                .hasMessageContaining("onDelete must be");
    }

    @Test
    void modeSpecificKeysAreChecked() {
        assertThatThrownBy(() -> StorageClassParameters.parse(Map.of("mode", "dedicated", "pool", "p")))
                .hasMessageContaining("pool only applies to shared mode");
        assertThatThrownBy(() -> StorageClassParameters.parse(Map.of("mode", "dedicated", "fsName", "x")))
                .hasMessageContaining("fsName only applies to shared mode");
        assertThatThrownBy(() -> StorageClassParameters.parse(Map.of("pool", "p", "ostsPerOss", "3", "maxOsts", "10")))
                .hasMessageContaining("multiples of ostsPerOss 3");
    }

    @Test
    void fingerprintIgnoresSidecarKeysAndOrderButNotValues() {
        String a = StorageClassParameters.fingerprint(Map.of("pool", "p", "stripeCount", "2"));
        assertThat(StorageClassParameters.fingerprint(
                        Map.of("stripeCount", "2", "pool", "p", "csi.storage.k8s.io/pvc/name", "x")))
                .isEqualTo(a);
        assertThat(StorageClassParameters.fingerprint(Map.of("pool", "p", "stripeCount", "4")))
                .isNotEqualTo(a);
        // Key/value boundaries are unambiguous.
        assertThat(StorageClassParameters.fingerprint(Map.of("ab", "c")))
                .isNotEqualTo(StorageClassParameters.fingerprint(Map.of("a", "bc")));
        assertThat(List.of(a)).allMatch(s -> s.matches("[0-9a-f]{32}"));
    }
}
