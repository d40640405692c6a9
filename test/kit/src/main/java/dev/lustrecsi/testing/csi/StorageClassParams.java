package dev.lustrecsi.testing.csi;

import java.util.HashMap;
import java.util.Map;

/**
 * StorageClass parameters of the driver's two kinds of volume, as a cluster admin writes them (see
 * csi-controller's README), with test-sized defaults; {@code extra} key/value pairs add or override parameters.
 */
public final class StorageClassParams {
    /** The server image the tests' StorageClasses name (Lustre 2.15.5). */
    public static final String SERVER_IMAGE = "registry.example.org/lustre/server:2.15.5";

    private StorageClassParams() {}

    /** A shared pool {@code name}: 100Gi OSTs of Lustre 2.15.5, at most 10, 20% headroom. */
    public static Map<String, String> pool(String name, String... extra) {
        return with(base("pool", name, "10", "20"), extra);
    }

    /** A dedicated filesystem per volume: 100Gi OSTs of Lustre 2.15.5, at most 8, 10% headroom. */
    public static Map<String, String> dedicated(String... extra) {
        return with(base("mode", "dedicated", "8", "10"), extra);
    }

    private static Map<String, String> base(String key, String value, String maxOsts, String headroomPercent) {
        return Map.of(
                key,
                value,
                "serverImage",
                SERVER_IMAGE,
                "lustreVersion",
                "2.15.5",
                "ostSize",
                "100Gi",
                "maxOsts",
                maxOsts,
                "headroomPercent",
                headroomPercent);
    }

    /** {@code parameters} with the key/value pairs of {@code extra} put in (a mutable copy). */
    public static Map<String, String> with(Map<String, String> parameters, String... extra) {
        if (extra.length % 2 != 0) {
            throw new IllegalArgumentException("extra parameters come in key/value pairs");
        }
        Map<String, String> p = new HashMap<>(parameters);
        for (int i = 0; i < extra.length; i += 2) {
            p.put(extra[i], extra[i + 1]);
        }
        return p;
    }
}
