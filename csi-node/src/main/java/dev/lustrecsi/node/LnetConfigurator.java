package dev.lustrecsi.node;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.LctlCommands;
import dev.lustrecsi.lustre.LnetNetworks;
import dev.lustrecsi.lustre.LnetctlCommands;
import dev.lustrecsi.lustre.ModprobeCommands;
import dev.lustrecsi.lustre.ToolPaths;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings up the Lustre client stack on this node and says what it got.
 * <ol>
 *   <li>loads the client modules ({@code modprobe lustre}); missing modules (a kernel the client was
 *       not built for) make the node not ready, with modprobe's own words;</li>
 *   <li>{@code lnetctl lnet configure};</li>
 *   <li>every usable network: each net device of an InfiniBand/RoCE adapter
 *       ({@code <sysfs>/class/infiniband/<hca>/device/net/<netdev>}) goes on LNet network {@code o2ib}, and
 *       {@code tcp} goes on the configured interface or the default route's ({@code /proc/net/route}), so an
 *       RDMA node still mounts filesystems served over tcp.</li>
 * </ol>
 * One {@code net add} per interface, so a port without an address fails alone (errno -100) and the others come
 * up. Idempotent: what is there is read from {@code lnetctl net show}'s YAML (an NI on that net and interface),
 * never from a {@code net show --net} exit code (2.15 exits 0 when nothing matches); a {@code net add} that
 * answers errno -17 (already there) counts as done.
 */
public final class LnetConfigurator {
    private static final Logger LOG = LoggerFactory.getLogger(LnetConfigurator.class);

    private final CommandRunner runner;
    private final ModprobeCommands modprobe;
    private final LnetctlCommands lnetctl;
    private final LctlCommands lctl;
    private final Path sysfsRoot;
    private final Path procNetRoute;
    private final Optional<String> tcpInterface;
    private final Duration bound;

    /**
     * @param sysfsRoot    {@code /sys} on a node; a fixture tree in tests
     * @param procNetRoute {@code /proc/net/route}
     * @param tcpInterface the interface for LNet tcp when set (else the default route's)
     * @param bound        time bound of each tool call
     */
    public LnetConfigurator(
            CommandRunner runner,
            ToolPaths tools,
            Path sysfsRoot,
            Path procNetRoute,
            Optional<String> tcpInterface,
            Duration bound) {
        tcpInterface.ifPresent(i -> {
            if (!LnetctlCommands.isValidInterfaceName(i)) {
                throw new IllegalArgumentException("invalid LNet interface name '" + i + "'");
            }
        });
        this.runner = runner;
        this.modprobe = new ModprobeCommands(tools);
        this.lnetctl = new LnetctlCommands(tools);
        this.lctl = new LctlCommands(tools);
        this.sysfsRoot = sysfsRoot;
        this.procNetRoute = procNetRoute;
        this.tcpInterface = tcpInterface;
        this.bound = bound;
    }

    /** Net devices on RDMA adapters, sorted, e.g. {@code [ib0, ib1]}; empty without RDMA hardware. */
    public List<String> rdmaInterfaces() {
        TreeSet<String> found = new TreeSet<>();
        Path ib = sysfsRoot.resolve("class/infiniband");
        if (!Files.isDirectory(ib)) {
            return List.of();
        }
        try (DirectoryStream<Path> hcas = Files.newDirectoryStream(ib)) {
            for (Path hca : hcas) {
                Path net = hca.resolve("device/net");
                if (!Files.isDirectory(net)) {
                    LOG.info("RDMA adapter {} has no net device; LNet o2ib cannot use it", hca.getFileName());
                    continue;
                }
                try (DirectoryStream<Path> devs = Files.newDirectoryStream(net)) {
                    for (Path dev : devs) {
                        String name = dev.getFileName().toString();
                        if (LnetctlCommands.isValidInterfaceName(name)) {
                            found.add(name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list RDMA adapters under {}: {}", ib, e.getMessage());
        }
        return List.copyOf(found);
    }

    /** The interface of the IPv4 default route, from {@code /proc/net/route}. */
    public Optional<String> defaultRouteInterface() {
        try {
            for (String line : Files.readAllLines(procNetRoute)) {
                String[] f = line.trim().split("\\s+");
                // Iface Destination Gateway Flags ...: destination 0.0.0.0 with RTF_UP (0x1).
                if (f.length > 3
                        && f[1].equals("00000000")
                        && f[3].matches("[0-9A-Fa-f]+")
                        && (Integer.parseInt(f[3], 16) & 1) == 1
                        && LnetctlCommands.isValidInterfaceName(f[0])) {
                    return Optional.of(f[0]);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", procNetRoute, e.getMessage());
        }
        return Optional.empty();
    }

    /** What LNet should have on this node: every usable net with the interfaces it runs on (o2ib first). */
    public List<PlannedNet> plan() {
        List<PlannedNet> plan = new ArrayList<>();
        List<String> rdma = rdmaInterfaces();
        if (!rdma.isEmpty()) {
            plan.add(new PlannedNet("o2ib", rdma));
        }
        tcpInterface.or(this::defaultRouteInterface).ifPresent(i -> plan.add(new PlannedNet("tcp", List.of(i))));
        return List.copyOf(plan);
    }

    /** One LNet network to configure and the interfaces it runs on. */
    public record PlannedNet(String net, List<String> interfaces) {}

    /** Loads modules, configures LNet and adds missing networks; returns the resulting state. */
    public synchronized LnetState ensureConfigured() {
        String kernel = kernelRelease();
        CommandResult loaded = runner.run(modprobe.load(ModprobeCommands.LUSTRE_CLIENT), bound);
        if (!loaded.succeeded()) {
            return notReady(
                    Optional.empty(),
                    kernel,
                    "Lustre client kernel modules cannot be loaded (" + loaded.describe()
                            + "); install a Lustre client built for kernel " + kernel);
        }
        Optional<String> version = clientVersion();
        // Reported so an admin sees client/kernel mismatches in the log and Probe's detail at a glance.
        String client = "Lustre client " + version.orElse("of unknown version") + " on kernel " + kernel;
        Optional<LnetNetworks> current = show();
        if (current.isEmpty()) {
            CommandResult configured = runner.run(lnetctl.configure(), bound);
            if (!configured.succeeded()) {
                return notReady(version, kernel, "LNet cannot be configured: " + configured.describe());
            }
            current = show();
            if (current.isEmpty()) {
                return notReady(version, kernel, "LNet configured but `lnetctl net show` fails");
            }
        }
        List<PlannedNet> plan = plan();
        if (plan.isEmpty() && current.get().interfaces().isEmpty()) {
            return notReady(
                    version,
                    kernel,
                    "no RDMA adapter under " + sysfsRoot.resolve("class/infiniband")
                            + ", no --lnet-interface and no default route: no interface for LNet");
        }
        List<String> problems = new ArrayList<>();
        for (PlannedNet net : plan) {
            for (String iface : net.interfaces()) {
                if (current.get().hasNi(net.net(), iface)) {
                    continue;
                }
                CommandResult added = runner.run(lnetctl.addNet(net.net(), iface), bound);
                if (added.succeeded()) {
                    LOG.info("LNet network {} added on {}", net.net(), iface);
                } else if (LnetctlCommands.alreadyAdded(added)) {
                    LOG.info("LNet network {} on {} was already there", net.net(), iface);
                } else {
                    problems.add("cannot add LNet network " + net.net() + " on " + iface + ": " + added.describe());
                }
            }
        }
        Optional<LnetNetworks> after = show();
        if (after.isEmpty()) {
            return notReady(version, kernel, "`lnetctl net show` fails after configuration");
        }
        LnetState state;
        if (after.get().interfaces().stream().noneMatch(LnetNetworks.LocalNi::isUp)) {
            problems.add(0, "no LNet network is up");
            state = new LnetState(false, after.get(), version, kernel, String.join("; ", problems));
        } else {
            String nids = String.join(
                    ", ",
                    after.get().interfaces().stream()
                            .map(LnetNetworks.LocalNi::nid)
                            .toList());
            state = new LnetState(
                    true,
                    after.get(),
                    version,
                    kernel,
                    client + "; LNet up: " + nids + (problems.isEmpty() ? "" : "; " + String.join("; ", problems)));
        }
        LOG.info("{}", state.detail());
        return state;
    }

    private Optional<LnetNetworks> show() {
        CommandResult shown = runner.run(lnetctl.showNets(), bound);
        return shown.succeeded() ? Optional.of(LnetNetworks.parseNetShow(shown.stdout())) : Optional.empty();
    }

    private static LnetState notReady(Optional<String> version, String kernel, String detail) {
        LOG.warn("Lustre client not ready: {}", detail);
        return LnetState.notReady(version, kernel, detail);
    }

    /**
     * The loaded client's version: {@code lctl get_param -n version} ("2.15.6"; clients before 2.12 print
     * "lustre: 2.10.8" among other lines), else {@code <sysfs>/fs/lustre/version}.
     */
    Optional<String> clientVersion() {
        CommandResult version = runner.run(lctl.clientVersion(), bound);
        Optional<String> parsed = version.succeeded() ? parseVersion(version.stdout()) : Optional.empty();
        if (parsed.isPresent()) {
            return parsed;
        }
        try {
            Path file = sysfsRoot.resolve("fs/lustre/version");
            return Files.isRegularFile(file) ? parseVersion(Files.readString(file)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<String> parseVersion(String text) {
        List<String> lines =
                text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (String line : lines) {
            if (line.startsWith("lustre:")) {
                return Optional.of(line.substring("lustre:".length()).strip()).filter(v -> !v.isEmpty());
            }
        }
        return lines.isEmpty() || lines.get(0).contains(":") ? Optional.empty() : Optional.of(lines.get(0));
    }

    /** The running kernel's release (uname -r); the container shares the host's kernel. */
    static String kernelRelease() {
        return System.getProperty("os.version", "unknown");
    }
}
