package dev.lustrecsi.provisioner.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The known_hosts file {@link VirtctlSshExecutor} hands to {@code virtctl ssh --known-hosts}: one line per server
 * VM, pinned from the host keys the operator made (kept in each LustreFileSystem's status), rewritten whenever a
 * key is pinned or changes. A host not in it is never trusted on first sight: virtctl would ask on stdin.
 */
public final class KnownHosts {
    private final Path file;
    private final Map<String, String> lines = new TreeMap<>();

    public KnownHosts(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Pins {@code publicKey} for the VMI of {@code vmName}; a no-op when it is pinned already. */
    public synchronized void pin(String namespace, String vmName, String publicKey) {
        String line = SshHostKey.knownHostsLine(namespace, vmName, publicKey);
        String host = line.substring(0, line.indexOf(' '));
        if (line.equals(lines.put(host, line))) {
            return;
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, String.join("\n", lines.values()) + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
