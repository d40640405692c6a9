package dev.lustrecsi.provisioner.manifest;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MkfsLustreCommands;
import dev.lustrecsi.lustre.ServerBootCommands;
import dev.lustrecsi.lustre.ShellQuote;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.TargetPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cloud-init NoCloud user data and network data of a server VM.
 *
 * <p>The user data installs a boot script and a systemd unit that runs it at every boot (cloud-init's
 * {@code runcmd} runs only on an instance's first boot, but a restarted VM must bring its targets back).
 * The script loads Lustre, configures LNet on the server's LNet interface, and for each target: formats it
 * with {@code mkfs.lustre} only when {@code blkid -p} reports no signature at all (exit status 2), then
 * mounts it. A disk that already holds a target – or anything else – is never reformatted.
 */
public final class ServerCloudInit {

    public static final String SCRIPT_PATH = "/usr/local/sbin/lustre-server-up";
    public static final String UNIT_NAME = "lustre-server.service";
    public static final String POD_IFACE = "pod0";
    public static final String LNET_IFACE = "lnet0";

    private final MkfsLustreCommands mkfs = new MkfsLustreCommands(ToolPaths.standard());
    private final ServerBootCommands boot = new ServerBootCommands(ToolPaths.standard());

    public String userData(ServerContext ctx) {
        ServerPlan server = ctx.server();
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("hostname", server.name());
        if (ctx.sshAuthorizedKey() != null) {
            // The operator runs lctl/lfs on servers over ssh (see VirtctlSshExecutor).
            config.put("disable_root", false);
            config.put("ssh_authorized_keys", List.of(ctx.sshAuthorizedKey()));
        }
        config.put("write_files", List.of(
                file(SCRIPT_PATH, "0755", script(ctx)),
                file("/etc/systemd/system/" + UNIT_NAME, "0644", unit(spec))));
        config.put("runcmd", List.of(
                List.of("systemctl", "daemon-reload"),
                List.of("systemctl", "enable", "--now", UNIT_NAME)));
        return "#cloud-config\n" + ManifestYaml.write(config);
    }

    public String networkData(ServerContext ctx) {
        String ns = ctx.filesystem().getMetadata().getNamespace();
        Map<String, Object> ethernets = new LinkedHashMap<>();
        Map<String, Object> pod = new LinkedHashMap<>();
        pod.put("match", Map.of("macaddress", MacAddresses.forInterface(ns, ctx.server().name(), ServerManifests.POD_NETWORK)));
        pod.put("set-name", POD_IFACE);
        pod.put("dhcp4", true);
        ethernets.put(POD_IFACE, pod);
        if (ctx.filesystem().getSpec().getNetwork().usesAttachment()) {
            Map<String, Object> lnet = new LinkedHashMap<>();
            lnet.put("match", Map.of("macaddress", MacAddresses.forInterface(ns, ctx.server().name(), ServerManifests.LNET_NETWORK)));
            lnet.put("set-name", LNET_IFACE);
            lnet.put("addresses", List.of(ctx.staticAddress()));
            ethernets.put(LNET_IFACE, lnet);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("version", 2);
        config.put("ethernets", ethernets);
        return ManifestYaml.write(config);
    }

    /** The interface LNet runs on inside the guest. */
    public static String lnetInterface(LustreFileSystemSpec spec) {
        return spec.getNetwork().usesAttachment() ? LNET_IFACE : POD_IFACE;
    }

    private String script(ServerContext ctx) {
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        FsName fs = new FsName(spec.getFsName());
        String net = spec.getNetwork().getType().lnetName();
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# Lustre " + spec.getLustreVersion() + " server " + ctx.server().name() + " of filesystem " + fs
                + ", written by server-provisioner. Runs at every boot.");
        lines.add("set -euo pipefail");
        lines.add("");
        lines.add(ShellQuote.command(boot.loadLustreModules()));
        lines.add(ShellQuote.command(boot.lnetConfigure()));
        // A retry by systemd in the same boot finds the network already there.
        lines.add(ShellQuote.command(boot.lnetShowNet(net)) + " >/dev/null 2>&1 || "
                + ShellQuote.command(boot.lnetAddNet(net, lnetInterface(spec))));
        lines.add("udevadm settle");
        for (TargetPlan t : ctx.server().targets()) {
            lines.add("");
            lines.add("# " + t.name() + " on disk " + t.diskName() + " (PVC " + t.pvcName() + ")");
            String dev = ShellQuote.word(t.devicePath());
            // Format only a blank disk: blkid -p exits 2 when it finds no signature at all.
            lines.add("rc=0; " + ShellQuote.command(boot.probeSignature(t.devicePath())) + " >/dev/null || rc=$?");
            lines.add("if [ \"$rc\" -eq 2 ]; then");
            lines.add("  " + ShellQuote.command(format(ctx, fs, t)));
            lines.add("elif [ \"$rc\" -ne 0 ]; then");
            lines.add("  echo \"cannot probe " + dev + " (blkid exit $rc): not formatting\" >&2");
            lines.add("  exit 1");
            lines.add("fi");
            lines.add("mkdir -p " + ShellQuote.word(t.mountPoint()));
            lines.add(ShellQuote.command(boot.isMounted(t.mountPoint())) + " || "
                    + ShellQuote.command(boot.mountTarget(t.devicePath(), t.mountPoint())));
        }
        return String.join("\n", lines) + "\n";
    }

    private List<String> format(ServerContext ctx, FsName fs, TargetPlan t) {
        if (t.kind() == TargetKind.MGT) {
            return mkfs.formatMgt(t.devicePath());
        }
        if (t.combinedWithMgs()) {
            return mkfs.formatMgtAndMdt0(fs, t.devicePath());
        }
        if (ctx.mgsNids() == null) {
            throw new IllegalStateException(t.name() + " needs the MGS NIDs to register with");
        }
        return t.kind() == TargetKind.MDT
                ? mkfs.formatMdt(fs, t.index(), ctx.mgsNids(), t.devicePath())
                : mkfs.formatOst(fs, t.index(), ctx.mgsNids(), t.devicePath());
    }

    private static String unit(LustreFileSystemSpec spec) {
        return String.join("\n",
                "[Unit]",
                "Description=Lustre " + spec.getFsName() + " server targets (server-provisioner)",
                "Wants=network-online.target",
                "After=network-online.target",
                "",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                "ExecStart=" + SCRIPT_PATH,
                // The MGS may not answer yet on first boot of a target; try again rather than give up.
                "Restart=on-failure",
                "RestartSec=15",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "");
    }

    private static Map<String, Object> file(String path, String permissions, String content) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", path);
        f.put("permissions", permissions);
        f.put("content", content);
        return f;
    }
}
