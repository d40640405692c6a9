package dev.lustrecsi.node;

import dev.lustrecsi.lustre.ClientImportCommands;
import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.LnetctlCommands;
import dev.lustrecsi.lustre.LustreImports;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.lustre.Nid;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.lustre.mount.MountInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the servers behind a Lustre client mount are still there, as the client itself sees it: the
 * state of its imports (connections to each MDT and OST, from {@code lctl get_param}) and, when some
 * are down, whether the MGS still answers an {@code lnetctl ping} (servers gone vs. targets down or
 * recovering). Every tool call is bounded; a tool that does not answer leaves the verdict unknown,
 * never a blocked caller.
 */
public final class ServerHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHealth.class);

    private final CommandRunner runner;
    private final ClientImportCommands imports;
    private final LnetctlCommands lnetctl;
    private final Duration bound;

    public ServerHealth(CommandRunner runner, ToolPaths tools, Duration bound) {
        this.runner = runner;
        this.imports = new ClientImportCommands(tools);
        this.lnetctl = new LnetctlCommands(tools);
        this.bound = bound;
    }

    /**
     * Why the servers of this mount's filesystem are not all reachable, e.g. {@code "lost its servers:
     * fs1-OST0001 DISCONN via 10.0.0.4@tcp; no MGS NID answers LNet ping (10.0.0.1@tcp: ...)"}; empty
     * when every import works, or when the import state cannot be read.
     */
    public Optional<String> problem(MountInfo mount) {
        Optional<FsName> fs = fsName(mount);
        if (fs.isEmpty()) {
            return Optional.empty();
        }
        CommandResult result = runner.run(imports.imports(fs.get()), bound);
        if (result.timedOut()) {
            LOG.warn("cannot read the import state of {}: {}", fs.get(), result.describe());
            return Optional.empty();
        }
        // lctl exits non-zero when one of its patterns matched nothing (e.g. no OSC yet) but still prints the rest.
        List<LustreImports.Import> down = LustreImports.parse(result.stdout()).notWorking();
        if (down.isEmpty()) {
            return Optional.empty();
        }
        // Each client mount of the filesystem has its own imports: name each target and state once.
        List<String> parts = new ArrayList<>();
        for (LustreImports.Import i : down) {
            String part = i.targetName() + " " + i.state()
                    + (i.currentConnection().isEmpty() ? "" : " via " + i.currentConnection());
            if (!parts.contains(part)) {
                parts.add(part);
            }
        }
        String message = "lost its servers: " + String.join(", ", parts);
        return Optional.of(
                mgsNids(mount).map(n -> message + "; " + mgsReachability(n)).orElse(message));
    }

    /** "MGS 10.0.0.1@tcp answers LNet ping" or why none of the MGS NIDs does. */
    public String mgsReachability(MgsNids nids) {
        List<String> failures = new ArrayList<>();
        for (List<Nid> node : nids.nodes()) {
            for (Nid nid : node) {
                CommandResult ping = runner.run(lnetctl.ping(nid), bound);
                if (ping.succeeded()) {
                    return "MGS " + nid + " answers LNet ping (the network is up; the targets are down or recovering)";
                }
                failures.add(nid + ": "
                        + (ping.timedOut()
                                ? "no answer within " + bound.toSeconds() + " s"
                                : lastLine(ping.stderr().isBlank() ? ping.stdout() : ping.stderr())));
            }
        }
        return "no MGS NID answers LNet ping (" + String.join("; ", failures) + ")";
    }

    static Optional<FsName> fsName(MountInfo mount) {
        return mount.lustreFileset()
                .map(f -> f.replaceAll("^/+", "").replaceAll("/.*$", ""))
                .filter(FsName::isValid)
                .map(FsName::new);
    }

    static Optional<MgsNids> mgsNids(MountInfo mount) {
        int sep = mount.source().indexOf(":/");
        if (sep <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(MgsNids.parse(mount.source().substring(0, sep)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String lastLine(String text) {
        List<String> lines = text.strip()
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.equals("..."))
                .toList();
        // lnetctl's YAML error: "descr: ! 'failed to ping ...: No route to host'" (2.17.0, real transcript 015).
        String line = lines.stream()
                .filter(l -> l.startsWith("descr:"))
                .reduce((a, b) -> b)
                .orElse(lines.isEmpty() ? "failed" : lines.get(lines.size() - 1));
        return line.replaceAll("^descr:\\s*(!\\s*)?", "").replace("\"", "").replaceAll("^'(.*)'$", "$1");
    }
}
