package dev.lustrecsi.lustre.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether this JVM runs as root in a private mount namespace of its own, as surefire starts it through
 * {@code lustre-tools/src/test/namespace-jvm/bin/java}. Tests that mount call {@link #assumePrivate()} first:
 * anywhere else they skip and say why, and never mount anything in the host's namespace.
 */
public final class MountNamespace {

    private MountNamespace() {}

    /** Why mount tests cannot run here, or null when they can. */
    public static String whyNotPrivate() {
        String hostNs = System.getenv("LUSTRECSI_HOST_MOUNT_NS");
        if (hostNs == null || hostNs.isEmpty()) {
            return "not started through lustre-tools/src/test/namespace-jvm/bin/java as root (needs root and unshare(1); "
                    + "the test JVM runs as uid " + uid() + ")";
        }
        String ownNs;
        try {
            ownNs = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        } catch (IOException e) {
            return "cannot read /proc/self/ns/mnt: " + e.getMessage();
        }
        if (ownNs.equals(hostNs)) {
            return "the test JVM is still in the host's mount namespace " + hostNs;
        }
        return null;
    }

    public static boolean isPrivate() {
        return whyNotPrivate() == null;
    }

    public static void assumePrivate() {
        String why = whyNotPrivate();
        Assumptions.assumeTrue(why == null, () -> "skipped: mount test needs a private mount namespace: " + why);
    }

    private static String uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "?";
        }
    }
}
