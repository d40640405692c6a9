package dev.lustrecsi.provisioner.sim;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.provisioner.Labels;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Lustre filesystem as seen through the commands the operator runs in server VMs: it answers the real
 * argument lists ({@code lctl set_param osp.*.max_create_count}, {@code lfs find --ost}, {@code lfs migrate},
 * {@code lctl conf_param *.osc.active=0}, client {@code mount}) from a model of files and the OSTs holding
 * their objects. An OST exists while a ready VM carries it; a command sent to a VM that is not ready fails
 * like ssh would. {@link #lostFiles()} lists files with an object on an OST that is gone or deactivated – the
 * data loss the operator must never cause.
 */
public final class SimulatedLustre implements ServerCommandExecutor {
    private static final Pattern OSP = Pattern.compile("osp\\.(.+)-OST([0-9a-f]{4})-osc-MDT([0-9a-f]{4})\\.max_create_count=(\\d+)");
    private static final Pattern CONF_ACTIVE = Pattern.compile("(.+)-OST([0-9a-f]{4})\\.osc\\.active=0");
    private static final Pattern OST_UUID = Pattern.compile("(.+)-OST([0-9a-f]{4})_UUID");

    private final KubernetesClient client;
    private final String namespace;
    private final String fsName;
    private final Map<String, Set<Integer>> files = new TreeMap<>();
    private final Set<String> busy = new HashSet<>();
    private final Map<Integer, Set<Integer>> noCreateFromMdt = new HashMap<>();
    private final Set<Integer> deactivated = new TreeSet<>();
    private final Set<String> clientMounts = new HashSet<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private int roundRobin;

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
                if (argv.size() == 5 && argv.get(1).equals("-t") && argv.get(2).equals("lustre")
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

    private CommandResult lctl(String vm, List<String> argv) {
        if (argv.size() == 3 && argv.get(1).equals("set_param")) {
            Matcher m = OSP.matcher(argv.get(2));
            if (!m.matches() || !m.group(1).equals(fsName)) {
                return fail(argv, 2, "error: set_param: param_path '" + argv.get(2) + "': No such file or directory");
            }
            int ost = Integer.parseInt(m.group(2), 16);
            int mdt = Integer.parseInt(m.group(3), 16);
            if (!vm.endsWith("-mds" + mdt) || !existingOsts(false).contains(ost)) {
                // The osp device for MDTyyyy only exists on the MDS serving it.
                return fail(argv, 2, "error: set_param: param_path '" + argv.get(2) + "': No such file or directory");
            }
            Set<Integer> mdts = noCreateFromMdt.computeIfAbsent(ost, k -> new HashSet<>());
            if (Integer.parseInt(m.group(4)) == 0) {
                mdts.add(mdt);
            } else {
                mdts.remove(mdt);
            }
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
                    || !clientMounts.contains(vm + ":" + argv.get(6)) || !argv.get(6).equals(mount)) {
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
        if (argv.get(1).equals("migrate") && argv.size() > 4 && argv.get(2).equals("--non-block") && argv.get(3).equals("--")) {
            if (!clientMounts.contains(vm + ":" + mount)) {
                return fail(argv, 2, "lfs migrate: not on a Lustre client");
            }
            List<String> errors = new ArrayList<>();
            List<Integer> accepting = acceptingOsts();
            for (String f : argv.subList(4, argv.size())) {
                Set<Integer> osts = files.get(f);
                if (osts == null) {
                    errors.add(f + ": No such file or directory");
                    continue;
                }
                if (busy.contains(f)) {
                    errors.add("lfs migrate: " + f + ": cannot get group lock: Device or resource busy");
                    continue;
                }
                // Like Lustre, a layout asking for more stripes than OSTs can take gets fewer.
                Set<Integer> target = pick(osts.size(), accepting);
                if (target.isEmpty()) {
                    errors.add(f + ": No space left on device");
                    continue;
                }
                files.put(f, target);
            }
            return errors.isEmpty() ? ok(argv, "") : fail(argv, 16, String.join("\n", errors));
        }
        return fail(argv, 22, "lfs: unsupported in simulation: " + argv);
    }

    /** OSTs whose server is ready (or, with {@code includeUnready}, whose VM merely exists). */
    private Set<Integer> existingOsts(boolean includeUnready) {
        Set<Integer> out = new TreeSet<>();
        Pattern ost = Pattern.compile(Pattern.quote(fsName) + "-OST([0-9a-f]{4})");
        for (VirtualMachine vm : client.resources(VirtualMachine.class).inNamespace(namespace).list().getItems()) {
            String targets = vm.getMetadata().getAnnotations() == null ? null : vm.getMetadata().getAnnotations().get(Labels.TARGETS);
            if (targets == null || (!includeUnready && !ready(vm.getMetadata().getName()))) {
                continue;
            }
            for (String t : targets.split(",")) {
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
        for (int o : existingOsts(false)) {
            if (!deactivated.contains(o) && noCreateFromMdt.getOrDefault(o, Set.of()).isEmpty()) {
                candidates.add(o);
            }
        }
        return candidates;
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
        VirtualMachineInstance vmi = client.resources(VirtualMachineInstance.class).inNamespace(namespace).withName(vm).get();
        return vmi != null && vmi.getStatus() != null && "Running".equals(vmi.getStatus().getPhase())
                && vmi.getStatus().getConditions() != null
                && vmi.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private boolean isMgs(String vm) {
        VirtualMachine v = client.resources(VirtualMachine.class).inNamespace(namespace).withName(vm).get();
        return v != null && "true".equals(v.getMetadata().getLabels().get(Labels.MGS));
    }

    private static CommandResult ok(List<String> argv, String out) {
        return new CommandResult(argv, 0, out, "", false);
    }

    private static CommandResult fail(List<String> argv, int code, String err) {
        return new CommandResult(argv, code, "", err, false);
    }
}
