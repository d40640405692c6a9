package dev.lustrecsi.lustre.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fixture sysfs tree shaped like the kernel's where the node plugin looks:
 * {@code class/net/<if>} and {@code class/infiniband/<hca>/device/net/<if>} (the HCA's PCI device
 * lists the net devices it drives, e.g. IPoIB {@code ib0} or a RoCE Ethernet port).
 */
public final class SysfsFixture {
    private final Path root;

    public SysfsFixture(Path root) {
        this.root = root;
        mkdirs(root.resolve("class/net"));
    }

    public Path root() {
        return root;
    }

    public SysfsFixture netInterface(String name) {
        mkdirs(root.resolve("class/net").resolve(name));
        return this;
    }

    /** An RDMA adapter (HCA) and the net device on it, which also appears under class/net. */
    public SysfsFixture infinibandDevice(String hca, String netDevice) {
        Path pci = adapter("devices/pci0000:00/0000:00:08.0", hca);
        mkdirs(pci.resolve("net").resolve(netDevice));
        link(root.resolve("class/net").resolve(netDevice), pci.resolve("net").resolve(netDevice));
        return this;
    }

    /** An RDMA adapter with no net device (e.g. its port is not configured for IP). */
    public SysfsFixture infinibandDeviceWithoutNet(String hca) {
        adapter("devices/pci0000:00/0000:00:09.0", hca);
        return this;
    }

    /** The PCI device {@code pciPath} holding the HCA {@code hca}, listed under class/infiniband. */
    private Path adapter(String pciPath, String hca) {
        Path pci = root.resolve(pciPath);
        mkdirs(pci.resolve("infiniband").resolve(hca));
        mkdirs(root.resolve("class/infiniband"));
        link(
                root.resolve("class/infiniband").resolve(hca),
                pci.resolve("infiniband").resolve(hca));
        link(pci.resolve("infiniband").resolve(hca).resolve("device"), pci);
        return pci;
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void link(Path link, Path target) {
        try {
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, link.getParent().relativize(target));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
