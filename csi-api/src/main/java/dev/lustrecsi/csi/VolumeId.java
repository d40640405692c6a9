package dev.lustrecsi.csi;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The CSI volume id: {@code v1:<namespace>:<filesystem>:<fsName>:<subdir>}.
 * <ul>
 *   <li>{@code namespace}/{@code filesystem}: the LustreFileSystem resource that serves the volume;
 *       both empty for a static volume on a filesystem this driver does not manage;</li>
 *   <li>{@code fsName}: the Lustre filesystem name;</li>
 *   <li>{@code subdir}: the volume's directory under the filesystem root (shared pools); empty when
 *       the volume is the whole filesystem (dedicated or static whole-filesystem volumes).</li>
 * </ul>
 * The id carries what the node needs to build a mount source without a lookup, and it is validated
 * strictly on the way in so that no id can name a path outside its filesystem.
 */
public record VolumeId(String namespace, String filesystem, String fsName, String subdir) {
    /** CSI recommends ids of at most 128 bytes; the sidecars and kubelet store them in object names and paths. */
    public static final int MAX_LENGTH = 128;

    private static final String VERSION = "v1";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern FS_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,7}");
    private static final Pattern SUBDIR = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    public VolumeId {
        namespace = namespace == null ? "" : namespace;
        filesystem = filesystem == null ? "" : filesystem;
        subdir = subdir == null ? "" : subdir;
        if (namespace.isEmpty() != filesystem.isEmpty()) {
            throw new IllegalArgumentException("namespace and filesystem must both be set or both be empty");
        }
        if (!namespace.isEmpty() && !DNS_LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException("invalid namespace '" + namespace + "'");
        }
        if (!filesystem.isEmpty() && !DNS_SUBDOMAIN.matcher(filesystem).matches()) {
            throw new IllegalArgumentException("invalid LustreFileSystem name '" + filesystem + "'");
        }
        if (fsName == null || !FS_NAME.matcher(fsName).matches()) {
            throw new IllegalArgumentException("invalid Lustre fsname '" + fsName + "'");
        }
        // A single path component without "..": the volume can never escape its filesystem.
        if (!subdir.isEmpty() && (!SUBDIR.matcher(subdir).matches() || subdir.contains(".."))) {
            throw new IllegalArgumentException("invalid volume subdirectory '" + subdir + "'");
        }
        int length = encode(namespace, filesystem, fsName, subdir).getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("volume id would be " + length + " bytes, more than " + MAX_LENGTH);
        }
    }

    /** A volume on a filesystem this driver does not manage (static provisioning). */
    public static VolumeId external(String fsName, String subdir) {
        return new VolumeId("", "", fsName, subdir);
    }

    public static VolumeId parse(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("volume id is empty");
        }
        if (id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("volume id is longer than " + MAX_LENGTH + " bytes");
        }
        String[] parts = id.split(":", -1);
        if (parts.length != 5 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException(
                    "malformed volume id '" + id + "': expected v1:<namespace>:<filesystem>:<fsName>:<subdir>");
        }
        return new VolumeId(parts[1], parts[2], parts[3], parts[4]);
    }

    /** Parses without throwing, for callers that map a bad id to NOT_FOUND rather than INVALID_ARGUMENT. */
    public static Optional<VolumeId> tryParse(String id) {
        try {
            return Optional.of(parse(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public boolean isManaged() {
        return !filesystem.isEmpty();
    }

    public boolean isWholeFilesystem() {
        return subdir.isEmpty();
    }

    /** The path inside the filesystem that is this volume: "/" or "/subdir". */
    public String pathInFilesystem() {
        return "/" + subdir;
    }

    public String encode() {
        return encode(namespace, filesystem, fsName, subdir);
    }

    private static String encode(String namespace, String filesystem, String fsName, String subdir) {
        return String.join(":", VERSION, namespace, filesystem, fsName, subdir);
    }

    @Override
    public String toString() {
        return encode();
    }
}
