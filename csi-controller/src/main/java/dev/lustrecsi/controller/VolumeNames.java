package dev.lustrecsi.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The directory (and ledger key, and volume id part) a CreateVolume name maps to. CSI names may be 128 bytes;
 * directory names here stay at most 63 characters (a DNS label's length, so every id, resource name and log line
 * built from them stays short). A name that fits is its own directory; a longer one becomes its first 40
 * characters, '-' and 22 hex digits of its SHA-256, the same every time (retries find the same volume) and
 * different for different names (a collision needs one in SHA-256's first 88 bits).
 */
final class VolumeNames {
    static final int MAX_DIRECTORY_NAME = 63;
    private static final int KEPT = 40;

    private VolumeNames() {}

    /** {@code name} must already be of the path-safe character set CreateVolume checks. */
    static String directoryName(String name) {
        if (name.length() <= MAX_DIRECTORY_NAME) {
            return name;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            String prefix = name.substring(0, KEPT).replaceAll("[._-]+$", "");
            return prefix + "-" + HexFormat.of().formatHex(digest).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
