package dev.lustrecsi.provisioner.manifest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Stable MAC addresses for server interfaces, derived from names: a re-created VM gets the same MAC, so its
 * guest network configuration (matched by MAC) and any DHCP lease follow it.
 */
public final class MacAddresses {
    private MacAddresses() {}

    public static String forInterface(String namespace, String vmName, String network) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "/" + vmName + "/" + network).getBytes(StandardCharsets.UTF_8));
            // 0x02: locally administered, unicast.
            return String.format("02:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4]);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
