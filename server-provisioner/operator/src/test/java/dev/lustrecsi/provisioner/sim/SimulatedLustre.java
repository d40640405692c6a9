package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.manifest.ServerCloudInit;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevirt.v1.VirtualMachine;
import io.kubevirt.v1.VirtualMachineInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Lustre filesystem as seen through the commands the operator runs in server VMs: it answers the real
 * argument lists ({@code lctl set_param osp.*.max_create_count}, {@code lfs find --ost}, {@code lfs migrate},
 * {@code lctl conf_param *.osc.active=0}, client {@code mount}) from a model of files and the OSTs holding
 * their objects. An OST exists while a ready VM carries it; a command sent to a VM that is not ready fails
 * like ssh would. {@link #lostFiles()} lists files with an object on an OST that is gone or deactivated – the
 * data loss the operator must never cause.
 *
 * <p>{@code max_create_count} is modelled per OST and MDT: a live {@code set_param} on the MDS, or a persistent one
 * recorded on the MGS ({@code set_param -P}), which reaches only the osp devices existing when it is recorded;
 * otherwise Lustre's default. An OST mounted with {@code -o no_precreate} (or held by a live
 * {@code obdfilter.*.no_precreate=1}) takes no objects. Jobstats: {@link #recordIo} and {@link #recordMetadata}
 * count requests per job id on a target, and {@code lctl get_param obdfilter.<fs>-OST*.job_stats} /
 * {@code mdt.<fs>-MDT*.job_stats} on a server prints them in Lustre's format for the targets that server holds.
 */
public final class SimulatedLustre implements ServerCommandExecutor {
    private static final Pattern OSP =
            Pattern.compile("osp\\.(.+)-OST([0-9a-f]{4})-osc-MDT([0-9a-f]{4})\\.max_create_count=(\\d+)");
    private static final Pattern CONF_ACTIVE = Pattern.compile("(.+)-OST([0-9a-f]{4})\\.osc\\.active=0");
    private static final Pattern OST_UUID = Pattern.compile("(.+)-OST([0-9a-f]{4})_UUID");
    private static final Pattern OSP_ALL_MDTS =
            Pattern.compile("osp\\.(.+)-OST([0-9a-f]{4})-osc-MDT\\*\\.max_create_count(=(\\d+))?");
    private static final Pattern JOB_STATS = Pattern.compile("(obdfilter|mdt)\\.(.+)-(OST|MDT)\\*\\.job_stats");
    private static final Pattern NO_PRECREATE =
            Pattern.compile("obdfilter\\.(.+)-OST([0-9a-f]{4})\\.no_precreate(=([01]))?");
    private static final Pattern CONF_QUOTA = Pattern.compile("(.+)\\.quota\\.(ost|mdt)=(none|[ugp]{1,3})");

    private final KubernetesClient client;
    private final String namespace;
    private final String fsName;
    private final Map<String, Set<Integer>> files = new TreeMap<>();
    private final Set<String> busy = new HashSet<>();
    /** Live max_create_count per OST and MDT, as set on the MDS. */
    private final Map<Integer, Map<Integer, Integer>> liveMaxCreate = new HashMap<>();
    /** Persistent max_create_count per OST (for every MDT), recorded on the MGS. */
    private final Map<Integer, Integer> persistentMaxCreate = new HashMap<>();
    /** Jobstats: target name → job id → counter name → {samples, sum}. */
    private final Map<String, Map<String, Map<String, long[]>>> jobStats = new TreeMap<>();

    private final Set<Integer> deactivated = new TreeSet<>();
    private final Set<String> clientMounts = new HashSet<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    /**
     * {@code <fs>.quota.ost|mdt} (key {@code fs.ost}) as recorded on the MGS by conf_param: the quota types enforced.
     */
    private final Map<String, String> quotaEnforcement = new HashMap<>();
    /** Live {@code obdfilter.<ost>.no_precreate} set on the OSS, per OST and the VMI (boot) it was set in. */
    private final Map<Integer, Map<String, Boolean>> liveNoPrecreate = new HashMap<>();
    /** Project id → hard block limit and bytes used. */
    private final Map<Integer, Long> projectLimits = new HashMap<>();

    private final Map<Integer, Long> projectUsage = new HashMap<>();
    private int roundRobin;
    /** Failover pairs: VM -> the VMI (boot) in which the operator activated it (the guest's tmpfs marker). */
    private final Map<String, String> activatedBoot = new HashMap<>();
    /** Failover pairs: pair -> {VM, VMI uid} whose mount holds the targets' MMP block. */
    private final Map<String, String[]> mmpHolder = new HashMap<>();

    public SimulatedLustre(KubernetesClient client, String namespace, String fsName) {
        this.client = client;
        this.namespace = namespace;
        this.fsName = fsName;
    }

    /** Writes files striped over {@code stripes} OSTs that accept new objects. */
    public synchronized void writeFiles(String prefix, int count, int stripes) {
        for (int i = 0; i < count; i++) {
            Set<Integer> osts = pick(stripes, acceptingOsts());
            if (osts.isEmpty()) {
                throw new IllegalStateException("no OST accepts new objects");
            }
            files.put("/lustre/client/" + fsName + "/" + prefix + "/f" + i, osts);
        }
    }

    /** A file that {@code lfs migrate --non-block} refuses (held open by an application). */
    public synchronized void markBusy(String file, boolean isBusy) {
        if (isBusy) {
            busy.add(file);
        } else {
            busy.remove(file);
        }
    }

    public synchronized Set<String> filesOn(int ost) {
        Set<String> out = new TreeSet<>();
        files.forEach((f, osts) -> {
            if (osts.contains(ost)) {
                out.add(f);
            }
        });
        return out;
    }

    public synchronized int fileCount() {
        return files.size();
    }

    public synchronized Set<Integer> deactivatedOsts() {
        return new TreeSet<>(deactivated);
    }

    /** Files with an object on an OST that no longer exists or was deactivated. */
    public synchronized List<String> lostFiles() {
        Set<Integer> existing = existingOsts(true);
        List<String> lost = new ArrayList<>();
        files.forEach((f, osts) -> {
            for (int o : osts) {
                if (deactivated.contains(o) || !existing.contains(o)) {
                    lost.add(f + " (OST" + o + ")");
                }
            }
        });
        return lost;
    }

    /** Every command as "vm: argv", in order. */
    public List<String> log() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    @Override
    public synchronized CommandResult exec(String ns, String vm, List<String> argv, Duration timeout) {
        log.add(vm + ": " + String.join(" ", argv));
        if (namespace.equals(ns) && argv.equals(ServerCloudInit.activation())) {
            return activate(vm, argv);
        }
        if (!namespace.equals(ns) || !ready(vm)) {
            return fail(argv, 255, "ssh: connect to host " + vm + " port 22: Connection refused");
        }
        String tool = argv.get(0);
        switch (tool) {
            case "lctl" -> {
                return lctl(vm, argv);
            }
            case "lfs" -> {
                return lfs(vm, argv);
            }
            case "mountpoint" -> {
                return clientMounts.contains(vm + ":" + argv.get(2)) ? ok(argv, "") : fail(argv, 32, "");
            }
            case "mkdir" -> {
                return ok(argv, "");
            }
            case "mount" -> {
                if (argv.size() == 5
                        && argv.get(1).equals("-t")
                        && argv.get(2).equals("lustre")
                        && argv.get(3).endsWith(":/" + fsName)) {
                    clientMounts.add(vm + ":" + argv.get(4));
                    return ok(argv, "");
                }
                return fail(argv, 32, "mount: bad usage");
            }
            default -> {
                return fail(argv, 127, tool + ": command not found");
            }
        }
    }

    /**
     * {@code lustre-server-up --activate} on a VM of a failover pair: reachable over ssh once its guest runs on a node
     * that is up; it marks this boot active, and the boot unit then mounts (see {@link #pairMemberServes}).
     */
    private CommandResult activate(String vm, List<String> argv) {
        VirtualMachineInstance vmi = get(VirtualMachineInstance.class, vm);
        if (vmi == null
                || vmi.getStatus() == null
                || !"Running".equals(vmi.getStatus().getPhase())
                || !nodeReady(vmi.getStatus().getNodeName())) {
            return fail(argv, 255, "ssh: connect to host " + vm + " port 22: Connection refused");
        }
        activatedBoot.put(vm, vmi.getMetadata().getUid());
        return ok(argv, "");
    }

    /**
     * Whether a running VM of a failover pair has its targets mounted, which its readiness reports. Only a VM
     * activated in its current boot mounts, and ldiskfs multiple mount protection lets only one host mount: while the
     * VM holding the MMP block still runs (its qemu alive: its VMI running with its virt-launcher pod in place) the
     * other's mount fails (the kernel's ext4_multi_mount_protect: "Device is already active on another node", Linux
     * fs/ext4/mmp.c), and its boot unit keeps retrying; once the holder's qemu is gone, the block stops being updated
     * and the next attempt mounts.
     */
    public synchronized boolean pairMemberServes(VirtualMachineInstance vmi) {
        String vm = vmi.getMetadata().getName();
        String uid = vmi.getMetadata().getUid();
        if (uid == null || !uid.equals(activatedBoot.get(vm))) {
            return false;
        }
        String pair = vmi.getMetadata().getLabels() == null
                ? vm
                : vmi.getMetadata().getLabels().getOrDefault(Labels.PAIR, vm);
        String[] holder = mmpHolder.get(pair);
        if (holder != null && !(holder[0].equals(vm) && holder[1].equals(uid)) && qemuAlive(holder[0], holder[1])) {
            return false;
        }
        mmpHolder.put(pair, new String[] {vm, uid});
        return true;
    }

    /** The VMs the operator activated, once per activation sent (successful or not), in order. */
    public synchronized List<String> activations() {
        return log.stream()
                .filter(l -> l.endsWith(": " + String.join(" ", ServerCloudInit.activation())))
                .map(l -> l.substring(0, l.indexOf(':')))
                .toList();
    }

    private boolean qemuAlive(String vm, String uid) {
        VirtualMachineInstance vmi = get(VirtualMachineInstance.class, vm);
        if (vmi == null
                || !uid.equals(vmi.getMetadata().getUid())
                || vmi.getStatus() == null
                || !"Running".equals(vmi.getStatus().getPhase())) {
            return false;
        }
        String node = vmi.getStatus().getNodeName();
        if (node == null || client.nodes().withName(node).get() == null) {
            return true; // no Node objects: nothing can have removed its launcher
        }
        var pod = client.pods()
                .inNamespace(namespace)
                .withName(KubeVirtSimulator.launcherPod(vm))
                .get();
        return pod != null && node.equals(pod.getSpec().getNodeName());
    }

    private boolean nodeReady(String nodeName) {
        var node = nodeName == null ? null : client.nodes().withName(nodeName).get();
        return node == null || KubeVirtSimulator.ready(node);
    }

    private CommandResult lctl(String vm, List<String> argv) {
        Matcher np = argv.size() >= 3 ? NO_PRECREATE.matcher(argv.get(argv.size() - 1)) : null;
        if (np != null
                && np.matches()
                && (argv.equals(List.of("lctl", "set_param", argv.get(2))) && np.group(3) != null
                        || argv.equals(List.of("lctl", "get_param", "-n", argv.get(3))) && np.group(3) == null)) {
            // obdfilter.<ost>.no_precreate lives on the OSS serving the OST (lustre/ofd/lproc_ofd.c).
            int ost = Integer.parseInt(np.group(2), 16);
            String vmi = vmiUid(vm);
            if (!np.group(1).equals(fsName) || !carries(vm, fsName + "-OST" + np.group(2)) || vmi == null) {
                return noParam(argv, argv.get(1), argv.get(argv.size() - 1));
            }
            if (np.group(3) != null) {
                liveNoPrecreate
                        .computeIfAbsent(ost, k -> new HashMap<>())
                        .put(vmi, np.group(4).equals("1"));
                return ok(argv, "obdfilter." + fsName + "-OST" + np.group(2) + ".no_precreate=" + np.group(4) + "\n");
            }
            return ok(argv, (noPrecreate(ost) ? "1" : "0") + "\n");
        }
        if (argv.size() == 3 && argv.get(1).equals("set_param")) {
            Matcher m = OSP.matcher(argv.get(2));
            if (!m.matches() || !m.group(1).equals(fsName)) {
                return noParam(argv, "set_param", argv.get(2));
            }
            int ost = Integer.parseInt(m.group(2), 16);
            int mdt = Integer.parseInt(m.group(3), 16);
            if (!vm.endsWith("-mds" + mdt) || !existingOsts(false).contains(ost)) {
                // The osp device for MDTyyyy only exists on the MDS serving it.
                return noParam(argv, "set_param", argv.get(2));
            }
            liveMaxCreate.computeIfAbsent(ost, k -> new HashMap<>()).put(mdt, Integer.parseInt(m.group(4)));
            // A live set_param echoes "<param>=<value>" on stdout (real 2.17.0 transcript 188).
            return ok(argv, argv.get(2) + "\n");
        }
        if (argv.size() >= 4 && argv.get(1).equals("set_param") && argv.get(2).equals("-P")) {
            boolean delete = argv.size() == 5 && argv.get(3).equals("-d");
            if (argv.size() != (delete ? 5 : 4)) {
                return fail(argv, 22, "set_param: bad usage");
            }
            Matcher m = OSP_ALL_MDTS.matcher(argv.get(argv.size() - 1));
            if (!m.matches() || !m.group(1).equals(fsName) || delete == (m.group(3) != null) || !isMgs(vm)) {
                return fail(
                        argv, 22, "error: set_param: setting persistent parameters needs the MGS: Invalid argument");
            }
            int ost = Integer.parseInt(m.group(2), 16);
            if (delete) {
                // Deleting the record changes no live value (only what a restarted MDS applies).
                persistentMaxCreate.remove(ost);
            } else {
                persistentMaxCreate.put(ost, Integer.parseInt(m.group(4)));
                // The MGC applies a set_param -P record by running `lctl set_param <glob>` when the params log is
                // processed (process_param2_config, lustre/obdclass/obd_config.c): it reaches the osp devices that
                // exist now (real 2.17.0: within seconds, transcripts 185/187), not one an MDT creates later.
                if (existingOsts(false).contains(ost)) {
                    for (int mdt : mdtIndexes()) {
                        liveMaxCreate.computeIfAbsent(ost, k -> new HashMap<>()).put(mdt, Integer.parseInt(m.group(4)));
                    }
                }
            }
            return ok(argv, "");
        }
        if (argv.size() == 3 && argv.get(1).equals("get_param")) {
            Matcher m = JOB_STATS.matcher(argv.get(2));
            if (!m.matches()
                    || !m.group(2).equals(fsName)
                    || m.group(1).equals("obdfilter") != m.group(3).equals("OST")) {
                return noParam(argv, "get_param", argv.get(2));
            }
            return jobStatsOn(vm, m.group(3), argv);
        }
        if (argv.size() == 3
                && argv.get(1).equals("conf_param")
                && CONF_QUOTA.matcher(argv.get(2)).matches()) {
            // lctl conf_param <fs>.quota.ost|mdt=<types>: exit 0, no output, repeatable (real 2.17.0 transcripts
            // 068-071); it needs the MGS (conf_param is an MGS command, Lustre Operations Manual "conf_param").
            Matcher m = CONF_QUOTA.matcher(argv.get(2));
            m.matches();
            if (!isMgs(vm) || !servesFilesystem(vm, m.group(1))) {
                return fail(argv, 22, "error: conf_param: Invalid argument");
            }
            quotaEnforcement.put(m.group(1) + "." + m.group(2), m.group(3));
            return ok(argv, "");
        }
        if (argv.size() == 3 && argv.get(1).equals("conf_param")) {
            Matcher m = CONF_ACTIVE.matcher(argv.get(2));
            if (!m.matches() || !m.group(1).equals(fsName) || !isMgs(vm)) {
                return fail(argv, 22, "error: conf_param: Invalid argument (not the MGS)");
            }
            deactivated.add(Integer.parseInt(m.group(2), 16));
            return ok(argv, "");
        }
        return fail(argv, 22, "lctl: unsupported in simulation: " + argv);
    }

    private CommandResult lfs(String vm, List<String> argv) {
        String mount = "/lustre/client/" + fsName;
        if (argv.get(1).equals("find")) {
            if (!argv.equals(List.of("lfs", "find", "--ost", argv.get(3), "--type", "f", argv.get(6)))
                    || !clientMounts.contains(vm + ":" + argv.get(6))
                    || !argv.get(6).equals(mount)) {
                return fail(argv, 2, "lfs find: not a Lustre client mount or bad arguments");
            }
            Matcher m = OST_UUID.matcher(argv.get(3));
            if (!m.matches()) {
                return fail(argv, 22, "lfs find: invalid OST");
            }
            int ost = Integer.parseInt(m.group(2), 16);
            StringBuilder out = new StringBuilder();
            filesOn(ost).forEach(f -> out.append(f).append('\n'));
            return ok(argv, out.toString());
        }
        if (argv.get(1).equals("migrate")
                && argv.size() > 4
                && argv.get(2).equals("--non-block")
                && argv.get(3).equals("--")) {
            if (!clientMounts.contains(vm + ":" + mount)) {
                return fail(argv, 2, "lfs migrate: not on a Lustre client");
            }
            // Each file that fails prints its error and the others go on; the exit status is the errno of the first
            // failure (a missing file: "error: lfs migrate: <f>: cannot open source file: No such file or
            // directory", exit 2, real 2.17.0 transcript 169).
            List<String> errors = new ArrayList<>();
            int status = 0;
            List<Integer> accepting = acceptingOsts();
            for (String f : argv.subList(4, argv.size())) {
                Set<Integer> osts = files.get(f);
                int errno = 0;
                if (osts == null) {
                    errors.add("error: lfs migrate: " + f + ": cannot open source file: No such file or directory");
                    errno = 2;
                } else if (busy.contains(f)) {
                    errors.add("lfs migrate: " + f + ": cannot get group lock: Device or resource busy");
                    errno = 16;
                } else {
                    // Like Lustre, a layout asking for more stripes than OSTs can take gets fewer.
                    Set<Integer> target = pick(osts.size(), accepting);
                    if (target.isEmpty()) {
                        errors.add("lfs migrate: " + f + ": No space left on device");
                        errno = 28;
                    } else {
                        files.put(f, target);
                    }
                }
                status = status == 0 ? errno : status;
            }
            return errors.isEmpty() ? ok(argv, "") : fail(argv, status, String.join("\n", errors) + "\n");
        }
        return fail(argv, 22, "lfs: unsupported in simulation: " + argv);
    }

    /**
     * lctl's answer for a parameter no device has: the pattern is printed as the path it was looked up as (dots to
     * slashes, a set_param's "=value" left off), exit 2 (real 2.17.0 transcript 042; lustre/utils/lustre_cfg.c
     * do_param_op after clean_path).
     */
    private static CommandResult noParam(List<String> argv, String op, String pattern) {
        String path = pattern.replaceFirst("=.*$", "").replace('.', '/');
        return fail(argv, 2, "error: " + op + ": param_path '" + path + "': No such file or directory\n");
    }

    /** OSTs whose server is ready (or, with {@code includeUnready}, whose VM merely exists). */
    private Set<Integer> existingOsts(boolean includeUnready) {
        Set<Integer> out = new TreeSet<>();
        Pattern ost = Pattern.compile(Pattern.quote(fsName) + "-OST([0-9a-f]{4})");
        for (VirtualMachine vm : list(VirtualMachine.class)) {
            List<String> targets = targetsOf(vm);
            if (targets.isEmpty() || (!includeUnready && !ready(vm.getMetadata().getName()))) {
                continue;
            }
            for (String t : targets) {
                Matcher m = ost.matcher(t);
                if (m.matches()) {
                    out.add(Integer.parseInt(m.group(1), 16));
                }
            }
        }
        return out;
    }

    /** OSTs that take new objects: present, active, max_create_count not 0 on any MDT. */
    private List<Integer> acceptingOsts() {
        List<Integer> candidates = new ArrayList<>();
        Set<Integer> mdts = mdtIndexes();
        for (int o : existingOsts(false)) {
            if (!deactivated.contains(o) && !noPrecreate(o) && mdts.stream().allMatch(m -> maxCreateCount(o, m) > 0)) {
                candidates.add(o);
            }
        }
        return candidates;
    }

    private int maxCreateCount(int ost, int mdt) {
        Integer live = liveMaxCreate.getOrDefault(ost, Map.of()).get(mdt);
        return live != null ? live : 20000;
    }

    /**
     * Whether the OST refuses object creation: a live {@code no_precreate} set in its current boot, else the mount
     * option its server's boot script mounted it with in this boot (mount.lustre(8) no_create/no_precreate).
     */
    private boolean noPrecreate(int ost) {
        String target = ostName(ost);
        for (VirtualMachineInstance vmi : list(VirtualMachineInstance.class)) {
            String name = vmi.getMetadata().getName();
            if (!carries(name, target)) {
                continue;
            }
            Boolean live = liveNoPrecreate
                    .getOrDefault(ost, Map.of())
                    .get(vmi.getMetadata().getUid());
            if (live != null) {
                return live;
            }
            return userData(vmi)
                    .anyMatch(
                            u -> u.contains("mount -t lustre -o no_precreate /dev/disk/by-id/virtio-" + target + " "));
        }
        return false;
    }

    /** The target name of OST {@code ost} of this filesystem, as Lustre prints it ({@code lfs1-OST000a}). */
    private String ostName(int ost) {
        return fsName + "-OST" + String.format("%04x", ost);
    }

    private boolean carries(String vm, String target) {
        return targetsOf(vm(vm)).contains(target);
    }

    private VirtualMachine vm(String name) {
        return get(VirtualMachine.class, name);
    }

    /** The targets a VM carries, from the annotation the operator writes; none for a VM that is gone. */
    private static List<String> targetsOf(VirtualMachine vm) {
        String targets = vm == null || vm.getMetadata().getAnnotations() == null
                ? null
                : vm.getMetadata().getAnnotations().get(Labels.TARGETS);
        return targets == null ? List.of() : List.of(targets.split(","));
    }

    private String vmiUid(String vm) {
        VirtualMachineInstance vmi = get(VirtualMachineInstance.class, vm);
        return vmi == null ? null : vmi.getMetadata().getUid();
    }

    /** True when no MDT would place a new object on the OST. */
    public synchronized boolean holdsNoNewObjects(int ost) {
        return !acceptingOsts().contains(ost);
    }

    private Set<Integer> mdtIndexes() {
        Set<Integer> out = new TreeSet<>();
        Pattern mds = Pattern.compile(".*-mds(\\d+)");
        for (VirtualMachine vm : list(VirtualMachine.class)) {
            Matcher m = mds.matcher(vm.getMetadata().getName());
            if (m.matches()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    /** A job (the id a client's jobid_name gave it) read and wrote on an OST. */
    public synchronized void recordIo(
            String jobId, int ost, long readOps, long readBytes, long writeOps, long writeBytes) {
        String target = ostName(ost);
        Map<String, long[]> c =
                jobStats.computeIfAbsent(target, k -> new TreeMap<>()).computeIfAbsent(jobId, k -> new TreeMap<>());
        add(c, "read_bytes", readOps, readBytes);
        add(c, "write_bytes", writeOps, writeBytes);
    }

    /** A job ran metadata operations ({@code open}, {@code mkdir}, ...) on an MDT. */
    public synchronized void recordMetadata(String jobId, int mdt, String op, long count) {
        String target = fsName + "-MDT" + String.format("%04x", mdt);
        add(
                jobStats.computeIfAbsent(target, k -> new TreeMap<>()).computeIfAbsent(jobId, k -> new TreeMap<>()),
                op,
                count,
                0);
    }

    /** Lustre drops a job's entry after job_cleanup_interval without activity: its counters start again from 0. */
    public synchronized void expireJob(String jobId) {
        jobStats.values().forEach(jobs -> jobs.remove(jobId));
    }

    private static void add(Map<String, long[]> counters, String op, long samples, long sum) {
        long[] c = counters.computeIfAbsent(op, k -> new long[2]);
        c[0] += samples;
        c[1] += sum;
    }

    private CommandResult jobStatsOn(String vm, String kind, List<String> argv) {
        List<String> targets = new ArrayList<>();
        for (String t : targetsOf(vm(vm))) {
            if (t.startsWith(fsName + "-" + kind)) {
                targets.add(t);
            }
        }
        if (targets.isEmpty()) {
            return noParam(argv, "get_param", argv.get(2));
        }
        StringBuilder out = new StringBuilder();
        for (String t : targets) {
            out.append(kind.equals("OST") ? "obdfilter." : "mdt.").append(t).append(".job_stats=\njob_stats:\n");
            jobStats.getOrDefault(t, Map.of()).forEach((job, counters) -> {
                out.append("- job_id:          ").append(job).append('\n');
                out.append("  snapshot_time:   1764108000.000000000 secs.nsecs\n");
                counters.forEach((op, c) -> out.append(String.format(
                        "  %-16s { samples: %11d, unit: %s, min: %8d, max: %8d, sum: %16d, sumsq: %18d }%n",
                        op + ":", c[0], op.endsWith("_bytes") ? "bytes" : "usecs", 0, 0, c[1], 0)));
            });
        }
        return ok(argv, out.toString());
    }

    /** The CSI controller's {@code lfs setquota -p <project> -B <bytes>}: a hard block limit on the project. */
    public synchronized void setProjectLimit(int project, long hardLimitBytes) {
        projectLimits.put(project, hardLimitBytes);
    }

    /** What a {@code dd} of {@code bytes} into a directory of the project wrote, and whether it hit EDQUOT. */
    public record Write(long written, boolean quotaExceeded) {}

    /**
     * A client writes {@code bytes} as {@code uid} into a directory with project id {@code project}. Lustre
     * accounts the usage always but refuses blocks over the hard limit only when the filesystem enforces project
     * quota ({@code conf_param <fs>.quota.ost} contains {@code p}), and exempts root unless every OST has
     * {@code quota_slave.root_prj_enable=1}: at the limit a non-root writer got "Disk quota exceeded" after 99 MiB
     * of a 100 MiB limit, root wrote 20 MiB more, and after {@code root_prj_enable=1} root was refused too (real
     * 2.17.0 transcripts 100-110).
     */
    public synchronized Write writeToProject(int uid, int project, long bytes) {
        long used = projectUsage.getOrDefault(project, 0L);
        Long limit = projectLimits.get(project);
        boolean enforced = limit != null
                && quotaEnforcement.getOrDefault(fsName + ".ost", "none").contains("p")
                && (uid != 0 || existingOsts(false).stream().allMatch(this::rootProjectQuotaEnabled));
        long written = enforced ? Math.max(0, Math.min(bytes, limit - used)) : bytes;
        projectUsage.put(project, used + written);
        return new Write(written, written < bytes);
    }

    /**
     * A client creates a file as {@code uid} (no passwd entry on the MDS). The MDT checks every uid through
     * {@code mdt.*.identity_upcall}, {@code /usr/sbin/l_getidentity} by default, and an unknown uid gets
     * "Permission denied" (real 2.17.0 transcripts 095/096); with the upcall {@code NONE} the MDT takes the uid the
     * client sends. The upcall is a live MDT setting, so it is what the MDS's boot script set after its mount.
     *
     * @return null when created, else the error the client sees
     */
    public synchronized String createFileAs(int uid) {
        if (uid == 0) {
            return null;
        }
        for (VirtualMachineInstance vmi : list(VirtualMachineInstance.class)) {
            String mdt0 = fsName + "-MDT0000";
            if (!carries(vmi.getMetadata().getName(), mdt0)) {
                continue;
            }
            boolean none = hasLine(userData(vmi), "lctl set_param mdt." + mdt0 + ".identity_upcall=NONE");
            return none ? null : "touch: cannot touch 'f': Permission denied";
        }
        return "touch: cannot touch 'f': Transport endpoint is not connected";
    }

    public synchronized long projectUsage(int project) {
        return projectUsage.getOrDefault(project, 0L);
    }

    /**
     * root_prj_enable is a live, per-target setting (0 at every mount: transcript 100); an OST has it when its
     * server's boot script – which runs after every mount – sets it for that target. Read from the cloud-init
     * user data the OSS booted with.
     */
    private boolean rootProjectQuotaEnabled(int ost) {
        String target = ostName(ost);
        for (VirtualMachine vm : list(VirtualMachine.class)) {
            if (!targetsOf(vm).contains(target)) {
                continue;
            }
            Stream<String> userData = vm.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .map(v -> v.getCloudInitNoCloud() == null
                            ? null
                            : v.getCloudInitNoCloud().getUserData())
                    .filter(Objects::nonNull);
            return hasLine(userData, "lctl set_param 'osd-*." + target + ".quota_slave.root_prj_enable=1'");
        }
        return false;
    }

    /** The cloud-init user data the VMI booted with. */
    private static Stream<String> userData(VirtualMachineInstance vmi) {
        return vmi.getSpec().getVolumes().stream()
                .map(v -> v.getCloudInitNoCloud() == null
                        ? null
                        : v.getCloudInitNoCloud().getUserData())
                .filter(Objects::nonNull);
    }

    /** Whether a boot script runs the command: one of its lines, as written. */
    private static boolean hasLine(Stream<String> userData, String command) {
        return userData.anyMatch(u -> u.lines().map(String::strip).anyMatch(command::equals));
    }

    private Set<Integer> pick(int count, List<Integer> candidates) {
        Set<Integer> chosen = new TreeSet<>();
        for (int i = 0; i < candidates.size() && chosen.size() < count; i++) {
            chosen.add(candidates.get((roundRobin + i) % candidates.size()));
        }
        roundRobin++;
        return chosen;
    }

    private boolean ready(String vm) {
        VirtualMachineInstance vmi = get(VirtualMachineInstance.class, vm);
        return vmi != null
                && vmi.getStatus() != null
                && "Running".equals(vmi.getStatus().getPhase())
                && KubeVirtSimulator.reportsReady(vmi);
    }

    private <T extends HasMetadata> List<T> list(Class<T> kind) {
        return client.resources(kind).inNamespace(namespace).list().getItems();
    }

    private <T extends HasMetadata> T get(Class<T> kind, String name) {
        return client.resources(kind).inNamespace(namespace).withName(name).get();
    }

    /**
     * The MGS of a filesystem carries one of its targets (the MGT or MDT0); several filesystems may share a
     * namespace.
     */
    private boolean servesFilesystem(String vm, String fs) {
        return targetsOf(vm(vm)).stream().anyMatch(t -> t.startsWith(fs + "-"));
    }

    private boolean isMgs(String vm) {
        VirtualMachine v = vm(vm);
        return v != null && "true".equals(v.getMetadata().getLabels().get(Labels.MGS));
    }

    private static CommandResult ok(List<String> argv, String out) {
        return new CommandResult(argv, 0, out, "", false);
    }

    private static CommandResult fail(List<String> argv, int code, String err) {
        return new CommandResult(argv, code, "", err, false);
    }
}
