package dev.lustrecsi.controller;

import dev.lustrecsi.model.LustreFileSystem;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller records about a dedicated volume: annotations on the volume's own LustreFileSystem (labelled
 * {@code role=dedicated}). The one reader and writer of those annotations.
 *
 * @param volumeName    the CSI volume name it was created for
 * @param parameters    fingerprint of the StorageClass parameters (a repeated create must match)
 * @param capacityBytes the volume's size
 * @param mountOptions  comma-separated client mount options for the volume context
 * @param pvc           {@code namespace/name} of the claim, when the external-provisioner said
 * @param handedOver    CreateVolume answered with it: from then on only DeleteVolume removes it
 */
public record DedicatedVolume(
        String volumeName,
        String parameters,
        long capacityBytes,
        String mountOptions,
        Optional<String> pvc,
        boolean handedOver) {

    /** Whether the filesystem is a dedicated volume's (by its role label), whatever its annotations hold. */
    public static boolean isDedicated(LustreFileSystem fs) {
        Map<String, String> labels = fs.getMetadata().getLabels();
        return labels != null && LustreFileSystems.ROLE_DEDICATED.equals(labels.get(LustreFileSystems.LABEL_ROLE));
    }

    /**
     * The record on a dedicated volume's filesystem; empty if it is not one.
     *
     * @throws IllegalArgumentException when it is labelled dedicated but its annotations are not what the driver
     *                                  writes (a hand edit): reported, never read as defaults
     */
    public static Optional<DedicatedVolume> read(LustreFileSystem fs) {
        if (!isDedicated(fs)) {
            return Optional.empty();
        }
        Map<String, String> a = fs.getMetadata().getAnnotations() == null
                ? Map.of()
                : fs.getMetadata().getAnnotations();
        String where = "LustreFileSystem " + fs.getMetadata().getNamespace() + "/"
                + fs.getMetadata().getName();
        String name = a.get(LustreFileSystems.ANNOTATION_VOLUME);
        String parameters = a.get(LustreFileSystems.ANNOTATION_PARAMETERS);
        String capacity = a.get(LustreFileSystems.ANNOTATION_CAPACITY);
        if (name == null || parameters == null || capacity == null) {
            throw new IllegalArgumentException(where + " lacks the annotations of a dedicated volume");
        }
        long bytes;
        try {
            bytes = Long.parseLong(capacity);
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        if (bytes < 0) {
            throw new IllegalArgumentException(
                    where + " records capacity '" + abbreviate(capacity) + "', not a size in bytes");
        }
        return Optional.of(new DedicatedVolume(
                name,
                parameters,
                bytes,
                a.getOrDefault(LustreFileSystems.ANNOTATION_MOUNT_OPTIONS, ""),
                Optional.ofNullable(a.get(LustreFileSystems.ANNOTATION_PVC)),
                "true".equals(a.get(LustreFileSystems.ANNOTATION_PROVISIONED))));
    }

    /** The annotations that record it (merged into the filesystem's others by the caller). */
    public Map<String, String> annotations() {
        Map<String, String> a = new HashMap<>();
        a.put(LustreFileSystems.ANNOTATION_VOLUME, volumeName);
        a.put(LustreFileSystems.ANNOTATION_PARAMETERS, parameters);
        a.put(LustreFileSystems.ANNOTATION_CAPACITY, Long.toString(capacityBytes));
        a.put(LustreFileSystems.ANNOTATION_MOUNT_OPTIONS, mountOptions);
        pvc.ifPresent(p -> a.put(LustreFileSystems.ANNOTATION_PVC, p));
        if (handedOver) {
            a.put(LustreFileSystems.ANNOTATION_PROVISIONED, "true");
        }
        return a;
    }

    /** Writes this record into the filesystem's annotations (in place, for an update). */
    public LustreFileSystem writeTo(LustreFileSystem fs) {
        Map<String, String> a = fs.getMetadata().getAnnotations() == null
                ? new HashMap<>()
                : new HashMap<>(fs.getMetadata().getAnnotations());
        a.putAll(annotations());
        fs.getMetadata().setAnnotations(a);
        return fs;
    }

    public DedicatedVolume withCapacity(long bytes) {
        return new DedicatedVolume(volumeName, parameters, bytes, mountOptions, pvc, handedOver);
    }

    public DedicatedVolume markHandedOver() {
        return new DedicatedVolume(volumeName, parameters, capacityBytes, mountOptions, pvc, true);
    }

    private static String abbreviate(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "..." : clean;
    }
}
