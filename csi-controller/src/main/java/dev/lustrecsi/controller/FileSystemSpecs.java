package dev.lustrecsi.controller;

import dev.lustrecsi.csi.DriverNames;
import dev.lustrecsi.model.DiskDeletionPolicy;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.NetworkSpec;
import dev.lustrecsi.model.ScalePolicy;
import dev.lustrecsi.model.SpecValidator;
import dev.lustrecsi.model.TargetState;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Builds the LustreFileSystem resources the controller creates, and reads pool sizing back from them. */
final class FileSystemSpecs {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private FileSystemSpecs() {}

    /** A pool's sizing as its spec states it. Without a scale policy the pool has a fixed size. */
    static CapacityPlanner.PoolSizing sizing(LustreFileSystem fs) {
        LustreFileSystemSpec spec = fs.getSpec();
        int perOss = spec.getOstsPerOss() == null ? 1 : spec.getOstsPerOss();
        int current = spec.getOstCount() == null ? perOss : spec.getOstCount();
        ScalePolicy policy = spec.getScalePolicy();
        if (policy == null) {
            return new CapacityPlanner.PoolSizing(spec.getOstSizeBytes(), perOss, current, current, 0);
        }
        int min = policy.getMinOsts() == null ? perOss : policy.getMinOsts();
        int max = policy.getMaxOsts() == null ? SpecValidator.MAX_OSTS : policy.getMaxOsts();
        int headroom = policy.getHeadroomPercent() == null
                ? StorageClassParameters.DEFAULT_HEADROOM_PERCENT
                : policy.getHeadroomPercent();
        return new CapacityPlanner.PoolSizing(spec.getOstSizeBytes(), perOss, min, Math.max(min, max), headroom);
    }

    /**
     * Whether the pool's last OST count change is done, as the operator reports it: every OST the spec asks for is in
     * service and ready ({@code status.activeOsts}, {@code status.readyOsts}) and no OST is still being emptied
     * ({@code Draining}) or waiting for its server's removal ({@code Drained}). The planner lowers the count only then,
     * so a scale-in starts only after the previous drain has finished, on a pool whose servers are all up.
     */
    static boolean scaleSettled(LustreFileSystem fs) {
        LustreFileSystemStatus status = fs.getStatus();
        Integer wanted = fs.getSpec().getOstCount();
        if (status == null || wanted == null) {
            return false;
        }
        if (!wanted.equals(status.getActiveOsts()) || !wanted.equals(status.getReadyOsts())) {
            return false;
        }
        return status.getTargets() == null
                || status.getTargets().stream()
                        .noneMatch(t -> t.getState() == TargetState.Draining || t.getState() == TargetState.Drained);
    }

    static CapacityPlanner.PoolSizing sizing(StorageClassParameters p) {
        return new CapacityPlanner.PoolSizing(
                p.ostSizeBytes(), p.ostsPerOss(), p.minOsts(), p.maxOsts(), p.headroomPercent());
    }

    /** A new filesystem from StorageClass parameters; the spec is validated as the operator would. */
    static LustreFileSystem build(
            String namespace,
            String name,
            String fsName,
            String role,
            int ostCount,
            StorageClassParameters p,
            ControllerConfig config,
            Map<String, String> annotations) {
        List<String> errors = new ArrayList<>();
        String image = p.serverImage().or(config::serverImage).orElse(null);
        String version = p.lustreVersion().or(config::lustreVersion).orElse(null);
        // Short and actionable: external-provisioner shows this message as an Event on the user's PVC.
        List<String> missing = new ArrayList<>();
        if (image == null) {
            missing.add("serverImage");
        }
        if (version == null) {
            missing.add("lustreVersion");
        }
        if (!missing.isEmpty()) {
            errors.add("no " + String.join(" or ", missing) + ": set " + (missing.size() == 1 ? "it" : "them")
                    + " in the StorageClass, or give the controller defaults (chart values serverVm.image and"
                    + " serverVm.lustreVersion; flags --server-image, --lustre-version)");
        }
        LustreFileSystemSpec spec = new LustreFileSystemSpec();
        spec.setFsName(fsName);
        spec.setImage(image);
        spec.setLustreVersion(version);
        spec.setOstCount(ostCount);
        config.diskStorageClass().ifPresent(spec::setStorageClassName);
        spec.setOstSize(quantity(p.ostSizeBytes()));
        spec.setOstsPerOss(p.ostsPerOss());
        spec.setScalePolicy(new ScalePolicy(p.minOsts(), p.maxOsts(), p.headroomPercent()));
        if (p.metadataFailover()) {
            spec.setMetadataFailover(true);
        }
        if (p.standbyOssServers() > 0) {
            // Spare OSSs booted and formatted: a raised ostCount (pool growth, volume expansion) is in service at once.
            spec.setStandby(new dev.lustrecsi.model.StandbySpec(p.standbyOssServers()));
        }
        NetworkSpec network = new NetworkSpec();
        network.setType(p.network());
        p.networkAttachment().ifPresent(network::setAttachment);
        network.setAddresses(new ArrayList<>(p.networkAddresses()));
        spec.setNetwork(network);
        // Dedicated: "archive" keeps the target disks when the volume is deleted. Pools always keep theirs.
        spec.setDiskDeletionPolicy(
                StorageClassParameters.Mode.DEDICATED.equals(p.mode())
                                && p.onDelete() == StorageClassParameters.Reclaim.DELETE
                        ? DiskDeletionPolicy.Delete
                        : DiskDeletionPolicy.Retain);
        if (errors.isEmpty()) {
            errors.addAll(SpecValidator.validate(name, spec));
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(
                    "cannot create LustreFileSystem " + namespace + "/" + name + ": " + String.join("; ", errors));
        }
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder()
                .withNamespace(namespace)
                .withName(name)
                .addToLabels(LustreFileSystems.LABEL_MANAGED_BY, DriverNames.DRIVER_NAME)
                .addToLabels(LustreFileSystems.LABEL_ROLE, role)
                .withAnnotations(annotations)
                .build());
        fs.setSpec(spec);
        return fs;
    }

    /** fsname of a pool created on first use: its name if that fits Lustre's 8 characters, else a short unique form. */
    static String poolFsName(String pool) {
        String simple = pool.replace("-", "_");
        if (simple.length() <= 8) {
            return simple;
        }
        return simple.substring(0, 4) + hash(pool).substring(0, 4);
    }

    /** fsname of a dedicated volume's filesystem: 'v' and seven characters of a hash of its identity. */
    static String dedicatedFsName(String namespace, String resourceName) {
        return "v" + hash(namespace + "/" + resourceName).substring(0, 7);
    }

    /** The LustreFileSystem name of a dedicated volume: the volume name when it fits, else a hash of it. */
    static String dedicatedResourceName(String volumeName) {
        String lower = volumeName.toLowerCase(Locale.ROOT);
        if (lower.equals(volumeName)
                && volumeName.length() <= SpecValidator.MAX_RESOURCE_NAME_LENGTH
                && DNS_LABEL.matcher(volumeName).matches()) {
            return volumeName;
        }
        return "vol-" + hash(volumeName).substring(0, 20);
    }

    static Quantity quantity(long bytes) {
        long gi = 1L << 30;
        if (bytes % gi == 0) {
            return new Quantity(bytes / gi + "Gi");
        }
        long mi = 1L << 20;
        if (bytes % mi == 0) {
            return new Quantity(bytes / mi + "Mi");
        }
        return new Quantity(Long.toString(bytes));
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte b : digest) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
