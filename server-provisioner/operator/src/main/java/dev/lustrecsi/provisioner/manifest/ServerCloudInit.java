package dev.lustrecsi.provisioner.manifest;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MkfsLustreCommands;
import dev.lustrecsi.lustre.ServerBootCommands;
import dev.lustrecsi.lustre.ShellQuote;
import dev.lustrecsi.lustre.StandbyOstCommands;
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
    /** The dummy interface holding the server's Service ClusterIP, its LNet NID on the pod network. */
    public static final String SERVICE_IFACE = "lnetsvc0";
    /** The readiness check (see {@link #readyScript}); KubeVirt's exec probe runs it through the guest agent. */
    public static final String READY_PATH = "/usr/local/sbin/lustre-server-ready";
    /**
     * On a VM of a failover pair: present while the operator has made this VM the active one since it booted (a
     * tmpfs, so every boot starts passive; the operator, which records the active VM in the LustreFileSystem's
     * status, activates it again).
     */
    public static final String ACTIVE_MARKER = "/run/lustre-server/active";
    /** The argument with which the operator activates a VM of a failover pair ({@link #activation()}). */
    public static final String ACTIVATE = "--activate";

    private final MkfsLustreCommands mkfs = new MkfsLustreCommands(ToolPaths.standard());
    private final ServerBootCommands boot = new ServerBootCommands(ToolPaths.standard());

    public String userData(ServerContext ctx) {
        ServerPlan server = ctx.server();
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("hostname", server.name());
        List<Object> files = new ArrayList<>(List.of(
                file(SCRIPT_PATH, "0755", script(ctx)),
                file(READY_PATH, "0755", readyScript(ctx)),
                file("/etc/systemd/system/" + UNIT_NAME, "0644", unit(spec))));
        List<Object> runcmd = new ArrayList<>();
        runcmd.add(List.of("systemctl", "daemon-reload"));
        if (ctx.sshAuthorizedKey() != null) {
            // The operator runs lctl/lfs on servers over ssh (see VirtctlSshExecutor), and pins this server's host
            // key, which it made: no key generated in the guest (a fresh root disk at every boot would change it).
            config.put("disable_root", false);
            config.put("ssh_authorized_keys", List.of(ctx.sshAuthorizedKey()));
            config.put("ssh_deletekeys", true);
            config.put("ssh_genkeytypes", List.of());
            files.add(file(HOST_KEY_SCRIPT, "0755", hostKeyScript()));
            files.add(file("/etc/systemd/system/" + HOST_KEY_UNIT, "0644", hostKeyUnit()));
            runcmd.add(List.of("systemctl", "enable", "--now", HOST_KEY_UNIT));
            runcmd.add(List.of("systemctl", "restart", "sshd"));
        }
        config.put("write_files", files);
        // --no-block: the unit retries until its targets are up; cloud-init must not wait for that.
        runcmd.add(List.of("systemctl", "enable", "--now", "--no-block", UNIT_NAME));
        config.put("runcmd", runcmd);
        return "#cloud-config\n" + ManifestYaml.write(config);
    }

    /**
     * The command (run over ssh) that makes a VM of a failover pair the active one: it marks the VM active and, when
     * the boot unit has already finished without mounting, starts it again (detached from the ssh session, so a
     * first format is not cut off with it). Idempotent: the operator sends it after every boot of the active VM
     * until the VM is ready. MMP still refuses the mount while the partner's host keeps the targets.
     */
    public static List<String> activation() {
        return List.of(SCRIPT_PATH, ACTIVATE);
    }

    public String networkData(ServerContext ctx) {
        String ns = ctx.filesystem().getMetadata().getNamespace();
        Map<String, Object> ethernets = new LinkedHashMap<>();
        Map<String, Object> pod = new LinkedHashMap<>();
        pod.put(
                "match",
                Map.of("macaddress", MacAddresses.forInterface(ns, ctx.server().name(), ServerManifests.POD_NETWORK)));
        pod.put("set-name", POD_IFACE);
        pod.put("dhcp4", true);
        ethernets.put(POD_IFACE, pod);
        // An InfiniBand VF has no MAC to match: the boot script addresses it (ipoib()).
        if (ctx.filesystem().getSpec().getNetwork().usesAttachment()
                && !ctx.filesystem().getSpec().getNetwork().infiniBand()) {
            Map<String, Object> lnet = new LinkedHashMap<>();
            lnet.put(
                    "match",
                    Map.of(
                            "macaddress",
                            MacAddresses.forInterface(ns, ctx.server().name(), ServerManifests.LNET_NETWORK)));
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
    public static String lnetInterface(ServerContext ctx) {
        if (ctx.filesystem().getSpec().getNetwork().usesAttachment()) {
            return LNET_IFACE;
        }
        return ctx.serviceAddress() != null ? SERVICE_IFACE : POD_IFACE;
    }

    private String script(ServerContext ctx) {
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        FsName fs = new FsName(spec.getFsName());
        String net = spec.getNetwork().getType().lnetName();
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# Lustre " + spec.getLustreVersion() + " server "
                + ctx.server().name() + " of filesystem " + fs
                + ", written by server-provisioner. Runs at every boot.");
        lines.add("set -euo pipefail");
        lines.add("");
        // systemd before 244 refuses Type=oneshot with Restart=on-failure (EL8's 239 unless patched), so the
        // retry lives here: each attempt is a fresh process with its own errexit; the unit stays "activating"
        // until an attempt succeeds. The MGS may not answer yet on a target's first boot.
        if (ctx.server().paired()) {
            String marker = ShellQuote.word(ACTIVE_MARKER);
            lines.add("if [ \"${1:-}\" = " + ACTIVATE + " ]; then");
            lines.add("  mkdir -p " + ShellQuote.word(ACTIVE_MARKER.substring(0, ACTIVE_MARKER.lastIndexOf('/'))));
            lines.add("  touch " + marker);
            // A unit still retrying sees the marker on its next attempt; one that finished passive runs again.
            lines.add("  if systemctl is-active --quiet " + UNIT_NAME + "; then systemctl restart --no-block "
                    + UNIT_NAME + "; fi");
            lines.add("  exit 0");
            lines.add("fi");
        }
        lines.add("if [ \"${1:-}\" != --once ]; then");
        lines.add(
                "  until \"$0\" --once; do echo \"lustre-server-up: attempt failed; again in 15 s\" >&2; sleep 15; done");
        lines.add("  exit 0");
        lines.add("fi");
        lines.add("");
        lines.add(ShellQuote.command(boot.loadLustreModules()));
        lines.add(ShellQuote.command(boot.lnetConfigure()));
        lines.addAll(lnet(ctx, net));
        lines.add("udevadm settle");
        if (ctx.server().paired()) {
            // Modules and LNet are up (a takeover only mounts); the targets are the partner's until the operator
            // says otherwise. Never formats or mounts on its own: two VMs see these disks.
            lines.add("if [ ! -e " + ShellQuote.word(ACTIVE_MARKER) + " ]; then");
            lines.add("  echo \"" + ctx.server().name() + " is passive: "
                    + ctx.server().partner() + " serves the targets until the operator activates this VM\"");
            lines.add("  exit 0");
            lines.add("fi");
        }
        for (TargetPlan t : ctx.server().targets()) {
            lines.add("");
            lines.add("# " + t.name() + " on disk " + t.diskName() + " (PVC " + t.pvcName() + ")");
            String dev = ShellQuote.word(t.devicePath());
            List<String> format = format(ctx, fs, t);
            // Format only a blank disk: blkid -p exits 2 when it finds no signature at all. A disk with a
            // signature is a complete Lustre target (tunefs.lustre reads its configuration), or our own first
            // format interrupted before mkfs.lustre wrote that configuration (its label says so), or foreign.
            lines.add("rc=0; " + ShellQuote.command(boot.probeSignature(t.devicePath())) + " >/dev/null || rc=$?");
            lines.add("if [ \"$rc\" -eq 2 ]; then");
            lines.add("  " + ShellQuote.command(format));
            lines.add("elif [ \"$rc\" -ne 0 ]; then");
            lines.add("  echo \"cannot probe " + dev + " (blkid exit $rc): not formatting\" >&2");
            lines.add("  exit 1");
            lines.add(
                    "elif ! " + ShellQuote.command(boot.checkLustreTarget(t.devicePath())) + " >/dev/null 2>&1; then");
            lines.add("  label=\"$(" + ShellQuote.command(boot.probeLabel(t.devicePath())) + " || true)\"");
            lines.add("  if [ \"$label\" = " + ShellQuote.word(firstFormatLabel(fs, t)) + " ]; then");
            lines.add("    echo \"" + dev + ": first format was interrupted; formatting again\" >&2");
            lines.add("    " + ShellQuote.command(MkfsLustreCommands.reformatting(format)));
            lines.add("  else");
            lines.add("    echo \"" + dev
                    + " holds a filesystem that is not a Lustre target (label '$label'): not formatting\" >&2");
            lines.add("    exit 1");
            lines.add("  fi");
            lines.add("fi");
            lines.addAll(multiMountProtection(t));
            lines.add("mkdir -p " + ShellQuote.word(t.mountPoint()));
            // A standby OST refuses object creation from its first moment, before it registers (StandbyOstCommands).
            List<String> options = ctx.standby() && t.kind() == TargetKind.OST
                    ? List.of(StandbyOstCommands.HOLD_MOUNT_OPTION)
                    : List.of();
            lines.add(ShellQuote.command(boot.isMounted(t.mountPoint())) + " || "
                    + ShellQuote.command(boot.mountTarget(t.devicePath(), t.mountPoint(), options)));
            if (t.kind() == TargetKind.MDT) {
                lines.add(ShellQuote.command(boot.trustClientIdentities(t.name())));
            }
            if (t.kind() != TargetKind.MGT) {
                lines.add(ShellQuote.command(boot.enforceProjectQuotaForRoot(t.name())));
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * LNet on the server's interface, decided by {@code net show}'s YAML (a {@code nid: ...@net} line), never by
     * its exit code alone: 2.17.0 exits 234 for a missing net (transcripts 008/009) but a show that matches
     * nothing need not fail in every release, and then {@code show || add} would leave the server with 0@lo only.
     */
    private List<String> lnet(ServerContext ctx, String net) {
        LustreFileSystemSpec spec = ctx.filesystem().getSpec();
        String iface = lnetInterface(ctx);
        List<String> lines = new ArrayList<>(spec.getNetwork().infiniBand() ? ipoib(ctx) : List.of());
        if (ctx.serviceAddress() != null && !spec.getNetwork().usesAttachment()) {
            lines.addAll(serviceAddress(ctx.serviceAddress()));
        }
        lines.addAll(List.of(
                "if ! { " + ShellQuote.command(boot.lnetShowNet(net)) + " 2>/dev/null || true; } | grep -Eq "
                        + ShellQuote.word("^[[:space:]-]*nid: [^[:space:]]+@" + net + "$") + "; then",
                "  " + ShellQuote.command(boot.lnetAddNet(net, iface)),
                "fi"));
        return lines;
    }

    /**
     * The server's NID on the pod network is its Service's ClusterIP, which no interface has: it goes on a dummy
     * interface (up, with an IPv4 address: lnet/lnet/config.c lnet_inet_enumerate skips only loopback and down
     * interfaces), and LNet is configured on that interface, so the NI's NID is the ClusterIP.
     *
     * <p>Why that works through a Service: a client connects to ClusterIP:988 and kube-proxy DNATs it to the pod
     * address, which the guest owns (bridge binding); the acceptor listens on every address and checks only that
     * the connection request's {@code acr_nid} is a local NI (lnet/lnet/acceptor.c lnet_accept: "No matching NI"
     * otherwise), which the ClusterIP NI is. Connections LNet makes itself (to the MGS, to clients for callbacks)
     * are bound to the NI's address (acceptor.c lnet_connect, from socklnd_cb.c ksocknal_connect) and leave from a
     * privileged port (1023 down to 512); the ClusterIP is no address the pod network routes back, so the guest
     * masquerades what leaves the pod interface from it to the pod address. The peer then sees the pod address,
     * but trusts the NID in the hello because the source port is privileged (socklnd_cb.c ksocknal_recv_hello:
     * only a port above LNET_ACCEPTOR_MAX_RESERVED_PORT makes it derive the peer from the socket), and the
     * acceptor's secure mode needs exactly that (lnet_acceptor: "insecure port"). Linux NAT keeps a privileged
     * source port privileged when it must remap one (net/netfilter/nf_nat_core.c: "Map privileged onto
     * privileged"), here and in kube-proxy's masquerade. Re-run at every boot: a reboot loses both.
     */
    private static List<String> serviceAddress(String clusterIp) {
        String dev = SERVICE_IFACE;
        String addr = ShellQuote.word(clusterIp + "/32");
        List<String> masquerade =
                List.of("-t", "nat", "POSTROUTING", "-s", clusterIp + "/32", "-o", POD_IFACE, "-j", "MASQUERADE");
        return List.of(
                "ip link show dev " + dev + " >/dev/null 2>&1 || ip link add " + dev + " type dummy",
                "ip addr replace " + addr + " dev " + dev,
                "ip link set dev " + dev + " up",
                ShellQuote.command(iptables("-C", masquerade)) + " 2>/dev/null || "
                        + ShellQuote.command(iptables("-A", masquerade)));
    }

    private static List<String> iptables(String action, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", rule.get(0), rule.get(1), action));
        argv.addAll(rule.subList(2, rule.size()));
        return argv;
    }

    /**
     * The IPoIB interface of an InfiniBand SR-IOV function, found by its link type (ARPHRD_INFINIBAND = 32 in
     * /sys/class/net/IF/type, include/uapi/linux/if_arp.h), renamed {@code lnet0} and given the static address.
     * Its 20-byte hardware address (RFC 4391) is why cloud-init cannot match it by MAC. The pod interface is
     * Ethernet (type 1), so the only type-32 netdev is the attachment's function.
     */
    private static List<String> ipoib(ServerContext ctx) {
        String addr = ShellQuote.word(ctx.staticAddress());
        return List.of(
                "if [ ! -e /sys/class/net/" + LNET_IFACE + " ]; then",
                "  ib=\"\"; for d in /sys/class/net/*; do [ \"$(cat \"$d/type\")\" = 32 ] && { ib=\"${d##*/}\"; break; }; done",
                "  [ -n \"$ib\" ] || { echo \"no InfiniBand (IPoIB) interface: is the SR-IOV function attached?\" >&2; exit 1; }",
                "  ip link set dev \"$ib\" down",
                "  ip link set dev \"$ib\" name " + LNET_IFACE,
                "fi",
                "ip link set dev " + LNET_IFACE + " up",
                "ip addr replace " + addr + " dev " + LNET_IFACE);
    }

    /**
     * The readiness check KubeVirt runs through the guest agent: ready when the boot script finished and every
     * target is mounted and out of recovery. Not a TCP probe on 988: an o2ib-only server never listens there
     * (the acceptor serves socklnd only), and on tcp the port opens before mkfs, mount or recovery finish.
     */
    private String readyScript(ServerContext ctx) {
        List<String> lines = new ArrayList<>();
        lines.add("#!/bin/bash");
        lines.add("# Readiness of " + ctx.server().name() + " (server-provisioner): exit 0 only when every target is"
                + " mounted and out of recovery.");
        lines.add("set -u");
        // A oneshot unit with RemainAfterExit is active only once its script succeeded; while it retries it is
        // "activating" (systemctl(1) is-active).
        lines.add("systemctl is-active --quiet " + UNIT_NAME + " || { echo \"" + UNIT_NAME
                + " not finished\"; exit 1; }");
        if (ctx.server().paired()) {
            lines.add("[ -e " + ShellQuote.word(ACTIVE_MARKER) + " ] || { echo "
                    + ShellQuote.word("passive: " + ctx.server().partner() + " serves the targets") + "; exit 1; }");
        }
        for (TargetPlan t : ctx.server().targets()) {
            lines.add(ShellQuote.command(boot.isMounted(t.mountPoint())) + " || { echo "
                    + ShellQuote.word(t.name() + " not mounted") + "; exit 1; }");
            if (t.kind() != TargetKind.MGT) {
                lines.add("s=\"$(" + ShellQuote.command(boot.recoveryStatus(t.name()))
                        + " 2>/dev/null | sed -n 's/^status: *//p' | head -n 1)\"");
                lines.add("case \"$s\" in COMPLETE|INACTIVE) ;; *) echo " + ShellQuote.word(t.name() + " recovery: ")
                        + "\"${s:-unknown}\"; exit 1 ;; esac");
            }
        }
        lines.add("echo ready");
        return String.join("\n", lines) + "\n";
    }

    /**
     * A target formatted before MMP was asked for (older operator, or by hand) gets it before it is mounted:
     * {@code tune2fs -O mmp} on the unmounted device, only when dumpe2fs does not list {@code mmp} already (tune2fs
     * on an MMP device waits out the MMP interval first, which every boot need not pay). A VM restarted on another
     * node after its node was lost, or a fencing decision that was wrong, must then find the target refused, not
     * mounted twice (Lustre Operations Manual, "Lustre Failover and Multiple-Mount Protection"; e2fsprogs test
     * t_mmp_1on enables MMP this way).
     */
    private List<String> multiMountProtection(TargetPlan t) {
        return List.of(
                "if ! " + ShellQuote.command(boot.isMounted(t.mountPoint())) + " && ! { "
                        + ShellQuote.command(boot.readSuperblock(t.devicePath()))
                        + " 2>/dev/null || true; } | grep -Eq "
                        + ShellQuote.word("^Filesystem features:.*[[:space:]]mmp([[:space:]]|$)") + "; then",
                "  " + ShellQuote.command(MkfsLustreCommands.enableMultiMountProtection(t.devicePath())),
                "fi");
    }

    private static String firstFormatLabel(FsName fs, TargetPlan t) {
        return MkfsLustreCommands.firstFormatLabel(fs, t.kind().name(), t.index());
    }

    /**
     * The target's mkfs.lustre line, with ldiskfs multiple mount protection: a server VM can be started on another
     * node while the lost one may still hold the disk (see {@link MkfsLustreCommands#withMultiMountProtection}).
     * Every target is ldiskfs here (no {@code --backfstype}), so the ZFS {@code multihost} line has no user.
     */
    private List<String> format(ServerContext ctx, FsName fs, TargetPlan t) {
        List<String> plain = plainFormat(ctx, fs, t);
        if (ctx.serviceNodes() != null) {
            // Both VMs of the pair as equal service nodes: clients and the MGS try one NID, then the other
            // (mkfs.lustre(8) --servicenode; recorded as failover.node=<a>:<b>, real transcript 210). MMP is then on
            // by default for ldiskfs (enable_default_ext4_features); the explicit -O mmp below merges with it.
            plain = MkfsLustreCommands.withServiceNodes(plain, ctx.serviceNodes());
        }
        return MkfsLustreCommands.withMultiMountProtection(plain);
    }

    private List<String> plainFormat(ServerContext ctx, FsName fs, TargetPlan t) {
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
        return String.join(
                "\n",
                "[Unit]",
                "Description=Lustre " + spec.getFsName() + " server targets (server-provisioner)",
                "Wants=network-online.target",
                "After=network-online.target",
                "",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                "ExecStart=" + SCRIPT_PATH,
                // No Restart=: systemd < 244 refuses it on a oneshot unit; the script retries by itself.
                "TimeoutStartSec=infinity",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "");
    }

    static final String HOST_KEY_SCRIPT = "/usr/local/sbin/lustre-ssh-host-key";
    static final String HOST_KEY_UNIT = "lustre-ssh-host-key.service";

    /** Installs the host key from the secret disk (KubeVirt: an ISO with the Secret's keys as files). */
    private static String hostKeyScript() {
        String dev = "/dev/disk/by-label/" + ServerManifests.HOST_KEY_LABEL;
        String key = ServerManifests.HOST_KEY_FILE;
        return String.join(
                "\n",
                "#!/bin/bash",
                "# This server's SSH host key, made and pinned by server-provisioner (Secret mounted as a disk).",
                "set -euo pipefail",
                "m=\"$(mktemp -d)\"",
                "mount -o ro " + dev + " \"$m\"",
                "trap 'umount \"$m\"; rmdir \"$m\"' EXIT",
                "rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub",
                "install -m 0600 \"$m/" + key + "\" /etc/ssh/" + key,
                "install -m 0644 \"$m/" + key + ".pub\" /etc/ssh/" + key + ".pub",
                "");
    }

    private static String hostKeyUnit() {
        return String.join(
                "\n",
                "[Unit]",
                "Description=SSH host key of this Lustre server (server-provisioner)",
                "Before=sshd.service",
                "",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                "ExecStart=" + HOST_KEY_SCRIPT,
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
