package dev.lustrecsi.controller;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.LfsCommands;
import dev.lustrecsi.lustre.LustreMountOptions;
import dev.lustrecsi.model.NetworkType;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The StorageClass {@code parameters} this driver understands, parsed and checked in one place. Every problem
 * is reported at once in an {@link IllegalArgumentException} (INVALID_ARGUMENT to the CO) before anything is
 * created. Keys starting with {@code csi.storage.k8s.io/} are the sidecars' own and are ignored.
 *
 * <p>Sizing keys ({@code ostSize}, {@code minOsts}, ...) and {@code fsName}, {@code serverImage},
 * {@code lustreVersion}, {@code networkAttachment}, {@code networkAddresses} are used when the driver creates
 * a LustreFileSystem (a pool on first use, or a dedicated one); an existing pool keeps its own spec.
 */
public record StorageClassParameters(
        Mode mode,
        String pool,
        Optional<String> namespace,
        Optional<String> fsName,
        long ostSizeBytes,
        int ostsPerOss,
        int minOsts,
        int maxOsts,
        int headroomPercent,
        int stripeCount,
        long stripeSizeBytes,
        NetworkType network,
        Optional<String> networkAttachment,
        List<String> networkAddresses,
        List<String> mountOptions,
        Reclaim onDelete,
        int directoryMode,
        Optional<String> serverImage,
        Optional<String> lustreVersion,
        int standbyOssServers,
        boolean metadataFailover) {

    public enum Mode {
        SHARED,
        DEDICATED
    }

    /** What DeleteVolume does with the data. */
    public enum Reclaim {
        /** Remove the directory (shared) or the filesystem with its disks (dedicated). */
        DELETE,
        /** Keep the data: rename the directory aside (shared), or keep the target disks (dedicated). */
        ARCHIVE
    }

    public static final String MODE = "mode";
    public static final String POOL = "pool";
    public static final String NAMESPACE = "namespace";
    public static final String FS_NAME = "fsName";
    public static final String OST_SIZE = "ostSize";
    public static final String OSTS_PER_OSS = "ostsPerOss";
    public static final String MIN_OSTS = "minOsts";
    public static final String MAX_OSTS = "maxOsts";
    public static final String HEADROOM_PERCENT = "headroomPercent";
    /** The most a pool may hold; instead of {@code ostSize}, lets the driver choose the OST size from it. */
    public static final String MAX_POOL_SIZE = "maxPoolSize";

    public static final String STRIPE_COUNT = "stripeCount";
    public static final String STRIPE_SIZE = "stripeSize";
    public static final String NETWORK = "network";
    public static final String NETWORK_ATTACHMENT = "networkAttachment";
    public static final String NETWORK_ADDRESSES = "networkAddresses";
    public static final String MOUNT_OPTIONS = "mountOptions";
    public static final String ON_DELETE = "onDelete";
    public static final String DIRECTORY_MODE = "directoryMode";
    public static final String SERVER_IMAGE = "serverImage";
    public static final String LUSTRE_VERSION = "lustreVersion";
    /** Warm standby OSS servers of a filesystem the driver creates (its {@code spec.standby.ossServers}). */
    public static final String STANDBY_OSS_SERVERS = "standbyOssServers";
    /** "true": a dedicated filesystem runs its MGS and MDS as failover pairs ({@code spec.metadataFailover}). */
    public static final String METADATA_FAILOVER = "metadataFailover";

    /** Parameters the external-provisioner adds or passes through (PVC/PV names, secrets); not ours. */
    public static final String SIDECAR_PREFIX = "csi.storage.k8s.io/";

    public static final Set<String> KNOWN = Set.of(
            MODE,
            POOL,
            NAMESPACE,
            FS_NAME,
            OST_SIZE,
            OSTS_PER_OSS,
            MIN_OSTS,
            MAX_OSTS,
            HEADROOM_PERCENT,
            MAX_POOL_SIZE,
            STRIPE_COUNT,
            STRIPE_SIZE,
            NETWORK,
            NETWORK_ATTACHMENT,
            NETWORK_ADDRESSES,
            MOUNT_OPTIONS,
            ON_DELETE,
            DIRECTORY_MODE,
            SERVER_IMAGE,
            LUSTRE_VERSION,
            STANDBY_OSS_SERVERS,
            METADATA_FAILOVER);

    public static final String DEFAULT_OST_SIZE = "100Gi";
    public static final int DEFAULT_MAX_OSTS = 16;
    /**
     * Free capacity a pool keeps above its requests. 10 with the controller's 10% shrink band keeps a pool's steady
     * state within 1.2 x requests plus one step (docs/decisions/0009-pool-elasticity.md).
     */
    public static final int DEFAULT_HEADROOM_PERCENT = 10;
    /** Upper bound of a pool or dedicated filesystem the driver will plan (SpecValidator's own limit). */
    public static final int MAX_OSTS_LIMIT = 4096;

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ATTACHMENT =
            Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern CIDR =
            Pattern.compile("((?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d))"
                    + "/(\\d|[12]\\d|3[0-2])");
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+(\\.\\d+){0,2}");
    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");
    /** Pool names prefix VM names (SpecValidator allows at most 40 characters). */
    public static final int MAX_POOL_NAME = 40;

    public static StorageClassParameters parse(Map<String, String> raw) {
        Map<String, String> p = new TreeMap<>();
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey().startsWith(SIDECAR_PREFIX)) {
                continue;
            }
            if (!KNOWN.contains(e.getKey())) {
                errors.add("unknown parameter '" + e.getKey() + "' (known: "
                        + String.join(", ", new java.util.TreeSet<>(KNOWN)) + ")");
                continue;
            }
            p.put(e.getKey(), e.getValue() == null ? "" : e.getValue().trim());
        }

        Mode mode = oneOf(p, MODE, Mode.SHARED, errors);

        String pool = p.getOrDefault(POOL, "");
        if (mode == Mode.SHARED) {
            if (pool.isEmpty()) {
                errors.add(POOL + " is required in shared mode: the name of the pool LustreFileSystem");
            } else if (pool.length() > MAX_POOL_NAME || !DNS_LABEL.matcher(pool).matches()) {
                errors.add(POOL + " '" + pool + "' must be a DNS label of at most " + MAX_POOL_NAME + " characters");
            }
        } else if (!pool.isEmpty()) {
            errors.add(POOL + " only applies to shared mode");
        }

        Optional<String> namespace = optional(p, NAMESPACE);
        namespace.ifPresent(ns -> {
            if (!DNS_LABEL.matcher(ns).matches()) {
                errors.add(NAMESPACE + " '" + ns + "' must be a DNS label");
            }
        });
        Optional<String> fsName = optional(p, FS_NAME);
        Mode chosenMode = mode;
        fsName.ifPresent(fs -> {
            if (chosenMode == Mode.DEDICATED) {
                errors.add(FS_NAME + " only applies to shared mode (each dedicated volume gets its own fsname)");
            } else if (!FsName.isValid(fs)) {
                errors.add(FS_NAME + " '" + fs + "' must be 1-8 letters, digits, '_' or '-', not starting with '-'");
            }
        });

        boolean sizedByPool = p.containsKey(MAX_POOL_SIZE);
        if (sizedByPool && p.containsKey(OST_SIZE)) {
            errors.add("set " + OST_SIZE + " or " + MAX_POOL_SIZE + ", not both (with " + MAX_POOL_SIZE
                    + " the OST size is " + MAX_POOL_SIZE + " / " + MAX_OSTS + ")");
        }
        long ostSize = bytes(p.getOrDefault(OST_SIZE, DEFAULT_OST_SIZE), OST_SIZE, errors);
        if (ostSize != 0 && ostSize < (1L << 30)) {
            errors.add(OST_SIZE + " must be at least 1Gi");
        }
        int perOss = integer(p, OSTS_PER_OSS, 1, 1, 8, errors);
        int min = integer(p, MIN_OSTS, perOss, 1, MAX_OSTS_LIMIT, errors);
        long poolSize = sizedByPool ? bytes(p.get(MAX_POOL_SIZE), MAX_POOL_SIZE, errors) : 0;
        // With maxPoolSize the driver also chooses the OST count when the StorageClass does not: a fine step (decision
        // 0009), so the default pool meets the steady-state target without tuning.
        int chosenMax = poolSize > 0 ? CapacityPlanner.maxOstsFor(poolSize, perOss) : DEFAULT_MAX_OSTS;
        int defaultMax = (Math.max(chosenMax, min) + perOss - 1) / perOss * perOss;
        int max = integer(p, MAX_OSTS, defaultMax, 1, MAX_OSTS_LIMIT, errors);
        if (sizedByPool && !p.containsKey(OST_SIZE)) {
            if (mode == Mode.DEDICATED) {
                errors.add(MAX_POOL_SIZE + " only applies to shared mode (a dedicated filesystem is sized by its"
                        + " volume)");
            } else if (poolSize > 0) {
                // The OST size chosen from the pool's stated demand; written into the pool's spec.ostSize at creation.
                ostSize = CapacityPlanner.ostSizeFor(poolSize, max);
            }
        }
        if (min > max) {
            errors.add(MIN_OSTS + " " + min + " is larger than " + MAX_OSTS + " " + max);
        }
        if (min % perOss != 0 || max % perOss != 0) {
            errors.add(MIN_OSTS + " and " + MAX_OSTS + " must be multiples of " + OSTS_PER_OSS + " " + perOss
                    + " (an OSS is added and removed with all its OSTs)");
        }
        int headroom = integer(p, HEADROOM_PERCENT, DEFAULT_HEADROOM_PERCENT, 0, 90, errors);

        int stripeCount = integer(p, STRIPE_COUNT, 0, -1, LfsCommands.MAX_STRIPE_COUNT, errors);
        long stripeSize = p.containsKey(STRIPE_SIZE) ? bytes(p.get(STRIPE_SIZE), STRIPE_SIZE, errors) : 0;
        if (stripeSize != 0) {
            try {
                LfsCommands.validateStripe(stripeCount, stripeSize);
            } catch (IllegalArgumentException e) {
                errors.add(STRIPE_SIZE + ": " + e.getMessage());
            }
        }

        NetworkType network = NetworkType.TCP;
        String networkText = p.getOrDefault(NETWORK, "tcp");
        try {
            network = NetworkType.fromLnetName(networkText);
        } catch (IllegalArgumentException e) {
            errors.add(NETWORK + " must be 'tcp' or 'o2ib', got '" + networkText + "'");
        }
        Optional<String> attachment = optional(p, NETWORK_ATTACHMENT);
        attachment.ifPresent(a -> {
            if (!ATTACHMENT.matcher(a).matches()) {
                errors.add(NETWORK_ATTACHMENT + " '" + a + "' must be <name> or <namespace>/<name>");
            }
        });
        List<String> addresses = list(p.get(NETWORK_ADDRESSES));
        for (String a : addresses) {
            if (!CIDR.matcher(a).matches()) {
                errors.add(NETWORK_ADDRESSES + " entry '" + a
                        + "' must be IPv4 with a prefix length, e.g. 192.168.50.10/24");
            }
        }
        if (!addresses.isEmpty() && attachment.isEmpty()) {
            errors.add(NETWORK_ADDRESSES + " need " + NETWORK_ATTACHMENT);
        }

        List<String> mountOptions = List.of();
        try {
            mountOptions = LustreMountOptions.parse(p.get(MOUNT_OPTIONS));
        } catch (IllegalArgumentException e) {
            errors.add(MOUNT_OPTIONS + ": " + e.getMessage());
        }

        Reclaim reclaim = oneOf(p, ON_DELETE, Reclaim.DELETE, errors);

        int directoryMode = 0777;
        String modeParam = p.get(DIRECTORY_MODE);
        if (modeParam != null) {
            if (!OCTAL_MODE.matcher(modeParam).matches()) {
                errors.add(DIRECTORY_MODE + " '" + modeParam + "' must be an octal mode such as 0775");
            } else {
                directoryMode = Integer.parseInt(modeParam, 8);
            }
        }

        Optional<String> image = optional(p, SERVER_IMAGE);
        image.ifPresent(i -> {
            if (i.length() > 512 || !i.matches("[A-Za-z0-9][A-Za-z0-9._/:@+-]*")) {
                errors.add(SERVER_IMAGE + " '" + i + "' is not a container image reference");
            }
        });
        Optional<String> version = optional(p, LUSTRE_VERSION);
        version.ifPresent(v -> {
            if (!VERSION.matcher(v).matches()) {
                errors.add(LUSTRE_VERSION + " '" + v + "' must look like 2.15.5");
            }
        });

        int standby = integer(p, STANDBY_OSS_SERVERS, 0, 0, dev.lustrecsi.model.StandbySpec.MAX_OSS_SERVERS, errors);

        boolean failover = false;
        String failoverText = p.get(METADATA_FAILOVER);
        if (failoverText != null) {
            switch (failoverText.trim()) {
                case "true" -> failover = true;
                case "false" -> failover = false;
                default -> errors.add(METADATA_FAILOVER + " must be 'true' or 'false', got '" + failoverText + "'");
            }
            if (failover && mode != Mode.DEDICATED) {
                errors.add(METADATA_FAILOVER + " only applies to dedicated mode (a pool keeps its own spec)");
            }
            if (failover && attachment.isEmpty()) {
                // The pair's targets are formatted with both VMs' NIDs before they boot: static addresses only.
                errors.add(METADATA_FAILOVER + " needs " + NETWORK_ATTACHMENT + " and " + NETWORK_ADDRESSES);
            }
        }

        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid StorageClass parameters: " + String.join("; ", errors));
        }
        return new StorageClassParameters(
                mode,
                pool,
                namespace,
                fsName,
                ostSize,
                perOss,
                min,
                max,
                headroom,
                stripeCount,
                stripeSize,
                network,
                attachment,
                addresses,
                mountOptions,
                reclaim,
                directoryMode,
                image,
                version,
                standby,
                failover);
    }

    /**
     * The parameters that define the volume, in a stable form, so a repeated CreateVolume can be told apart
     * from a different one under the same name (ALREADY_EXISTS). Sidecar keys are left out.
     */
    public static String fingerprint(Map<String, String> raw) {
        Map<String, String> sorted = new TreeMap<>();
        raw.forEach((k, v) -> {
            if (!k.startsWith(SIDECAR_PREFIX)) {
                sorted.put(k, v == null ? "" : v.trim());
            }
        });
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sorted.forEach((k, v) -> {
                sha.update(k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return java.util.HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<String> optional(Map<String, String> p, String key) {
        String v = p.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    private static List<String> list(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static int integer(Map<String, String> p, String key, int def, int min, int max, List<String> errors) {
        String v = p.get(key);
        if (v == null || v.isEmpty()) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                errors.add(key + " must be between " + min + " and " + max + ", got " + n);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            errors.add(key + " must be an integer, got '" + v + "'");
            return def;
        }
    }

    private static long bytes(String text, String key, List<String> errors) {
        try {
            if (text == null || text.isEmpty() || text.startsWith("-") || text.length() > 32) {
                throw new IllegalArgumentException("empty, negative or too long");
            }
            BigDecimal amount = Quantity.getAmountInBytes(new Quantity(text));
            if (amount.signum() <= 0 || amount.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException("out of range");
            }
            return amount.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
        } catch (RuntimeException e) {
            errors.add(key + " '" + text + "' must be a positive quantity such as 100Gi");
            return 0;
        }
    }

    /**
     * The value of {@code key}: one of the enum's constants, written in lower case ({@code fallback} when the key is
     * absent). Anything else is an error naming the values allowed, and {@code fallback} stands in for it.
     */
    private static <E extends Enum<E>> E oneOf(Map<String, String> p, String key, E fallback, List<String> errors) {
        String text = p.getOrDefault(key, fallback.name().toLowerCase(Locale.ROOT));
        E[] values = fallback.getDeclaringClass().getEnumConstants();
        for (E value : values) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        errors.add(key + " must be "
                + Arrays.stream(values)
                        .map(v -> "'" + v.name().toLowerCase(Locale.ROOT) + "'")
                        .collect(Collectors.joining(" or "))
                + ", got '" + text + "'");
        return fallback;
    }
}
