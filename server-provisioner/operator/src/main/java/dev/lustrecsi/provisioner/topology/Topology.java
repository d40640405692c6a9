package dev.lustrecsi.provisioner.topology;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.MkfsLustreCommands;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.Quantities;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.model.StandbySpec;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which servers and targets a LustreFileSystem needs right now, computed only from its spec, its status and
 * the names of the VMs that exist — so a restarted operator computes the same answer.
 *
 * <p>OSS number n holds OST indexes n*k .. n*k+k-1 (k = ostsPerOss). Scaling out adds OSS numbers after the
 * highest ever used; scaling in drains the highest active OSS numbers. Retired OST indexes are never reused
 * (Lustre keeps them in its configuration log).
 *
 * <p>Warm standby ({@code spec.standby.ossServers}): OSSs whose status says {@code standby} are neither active
 * nor draining. When the active count falls short, OSSs being drained are taken back first (their objects are
 * still there), then standby OSSs are put into service (lowest number first), and only then new OSS numbers
 * are added. Standby OSSs beyond the wanted count are drained like any other (they hold no objects, so that is
 * quick) and their indexes retired; missing ones get new OSS numbers after every number ever used.
 */
public final class Topology {

    private final String resourceName;
    private final FsName fsName;
    private final List<ServerPlan> metadata = new ArrayList<>();
    private final List<ServerPlan> oss = new ArrayList<>();
    /** The second VM of each metadata failover pair ({@code spec.metadataFailover}). */
    private final List<ServerPlan> partners = new ArrayList<>();

    private final Set<Integer> drainingOrdinals = new TreeSet<>();
    private final Set<Integer> standbyOrdinals = new TreeSet<>();

    private Topology(String resourceName, FsName fsName) {
        this.resourceName = resourceName;
        this.fsName = fsName;
    }

    public static String mgsName(String resource) {
        return resource + "-mgs";
    }

    public static String mdsName(String resource, int index) {
        return resource + "-mds" + index;
    }

    public static String ossName(String resource, int ordinal) {
        return resource + "-oss" + ordinal;
    }

    /** The second VM of a metadata server's failover pair. */
    public static String partnerName(String server) {
        return server + "-b";
    }

    public static Topology plan(LustreFileSystem fs, Collection<String> existingVmNames) {
        String name = fs.getMetadata().getName();
        LustreFileSystemSpec spec = fs.getSpec();
        LustreFileSystemStatus status = fs.getStatus() == null ? new LustreFileSystemStatus() : fs.getStatus();
        Topology t = new Topology(name, new FsName(spec.getFsName()));
        boolean colocated = spec.getMgs() == null || spec.getMgs().colocated();
        long mdtSize = spec.getMdtSizeBytes();

        if (!colocated) {
            String server = mgsName(name);
            t.metadata.add(new ServerPlan(
                    server,
                    ServerRole.MGS,
                    true,
                    0,
                    0,
                    List.of(new TargetPlan(
                            spec.getFsName() + "-MGT",
                            TargetKind.MGT,
                            0,
                            "mgt",
                            name + "-mgt",
                            Quantities.bytes(spec.getMgs().getSize()),
                            false))));
        }
        for (int i = 0; i < spec.getMdtCount(); i++) {
            boolean withMgs = colocated && i == 0;
            int stage = withMgs ? 0 : 1;
            t.metadata.add(new ServerPlan(
                    mdsName(name, i),
                    ServerRole.MDS,
                    withMgs,
                    i,
                    stage,
                    List.of(new TargetPlan(
                            MkfsLustreCommands.targetName(t.fsName, "MDT", i),
                            TargetKind.MDT,
                            i,
                            "mdt" + i,
                            name + "-mdt" + i,
                            mdtSize,
                            withMgs))));
        }

        if (spec.metadataPairs()) {
            List<ServerPlan> singles = List.copyOf(t.metadata);
            t.metadata.clear();
            for (ServerPlan single : singles) {
                String partner = partnerName(single.name());
                ServerPlan first = new ServerPlan(
                        single.name(),
                        single.role(),
                        single.runsMgs(),
                        single.ordinal(),
                        single.stage(),
                        single.targets(),
                        partner,
                        single.name());
                t.metadata.add(first);
                t.partners.add(first.partnerPlan(partner));
            }
        }

        int perOss = spec.getOstsPerOss() == null ? 1 : spec.getOstsPerOss();
        Set<Integer> known = new TreeSet<>();
        // At most 9 digits: an int, as every ordinal this operator names; a longer suffix is not one of its VMs.
        Pattern ossVm = Pattern.compile(Pattern.quote(name) + "-oss(\\d{1,9})");
        for (String vm : existingVmNames) {
            Matcher m = ossVm.matcher(vm);
            if (m.matches()) {
                known.add(Integer.parseInt(m.group(1)));
            }
        }
        Set<Integer> draining = new TreeSet<>();
        Set<Integer> deactivated = new TreeSet<>();
        for (TargetStatus ts : status.getTargets()) {
            if (ts.getKind() == TargetKind.OST) {
                int ordinal = ts.getIndex() / perOss;
                known.add(ordinal);
                if (ts.getState() == TargetState.Draining || ts.getState() == TargetState.Drained) {
                    draining.add(ordinal);
                }
                if (ts.getState() == TargetState.Drained) {
                    deactivated.add(ordinal);
                }
            }
        }
        Set<Integer> retired = new TreeSet<>();
        for (Integer idx : status.getRetiredOstIndexes()) {
            retired.add(idx / perOss);
        }
        known.removeAll(retired);
        int highestEver = -1;
        for (int o : known) {
            highestEver = Math.max(highestEver, o);
        }
        for (int o : retired) {
            highestEver = Math.max(highestEver, o);
        }

        Set<Integer> standby = new TreeSet<>();
        for (ServerStatus s : status.getServers()) {
            Matcher m = ossVm.matcher(s.getName());
            if (s.onStandby() && m.matches()) {
                int o = Integer.parseInt(m.group(1));
                if (known.contains(o) && !draining.contains(o)) {
                    standby.add(o);
                }
            }
        }

        List<Integer> active = new ArrayList<>(known);
        active.removeAll(draining);
        active.removeAll(standby);
        int desired = spec.getOstCount() / perOss;
        // Growing again while a drain runs: take back OSSs whose OSTs still hold their objects (none is
        // deactivated yet) before adding new ones.
        for (int o : new ArrayList<>(draining)) {
            if (active.size() < desired && !deactivated.contains(o)) {
                draining.remove(o);
                active.add(o);
            }
        }
        // Then put standby OSSs into service: formatted and mounted already, they only need to take objects.
        for (int o : new ArrayList<>(standby)) {
            if (active.size() < desired) {
                standby.remove(o);
                active.add(o);
            }
        }
        active.sort(null);
        // Scale in: drain the highest-numbered active OSSs beyond the desired count.
        while (active.size() > desired) {
            draining.add(active.remove(active.size() - 1));
        }
        int wantedStandby = StandbySpec.ossServers(spec.getStandby());
        while (standby.size() > wantedStandby) {
            int highest = ((TreeSet<Integer>) standby).last();
            standby.remove(highest);
            draining.add(highest);
        }
        Set<Integer> ordinals = new TreeSet<>(known);
        // Scale out: new OSS numbers after every number ever used; standby replacements after those.
        int next = highestEver + 1;
        for (int missing = desired - active.size(); missing > 0; missing--, next++) {
            ordinals.add(next);
        }
        for (int missing = wantedStandby - standby.size(); missing > 0; missing--, next++) {
            ordinals.add(next);
            standby.add(next);
        }
        long ostSize = spec.getOstSizeBytes();
        for (int o : ordinals) {
            List<TargetPlan> targets = new ArrayList<>();
            for (int idx = o * perOss; idx < (o + 1) * perOss; idx++) {
                targets.add(new TargetPlan(
                        MkfsLustreCommands.targetName(t.fsName, "OST", idx),
                        TargetKind.OST,
                        idx,
                        "ost" + idx,
                        name + "-ost" + idx,
                        ostSize,
                        false));
            }
            t.oss.add(new ServerPlan(ossName(name, o), ServerRole.OSS, false, o, 2, targets));
        }
        t.drainingOrdinals.addAll(draining);
        t.standbyOrdinals.addAll(standby);
        return t;
    }

    public String resourceName() {
        return resourceName;
    }

    public FsName fsName() {
        return fsName;
    }

    public List<ServerPlan> metadataServers() {
        return List.copyOf(metadata);
    }

    /** The second VMs of the metadata failover pairs; {@link #all()} lists them after their first VMs. */
    public List<ServerPlan> partnerServers() {
        return List.copyOf(partners);
    }

    /** The other VM of a paired server, either way round. */
    public Optional<ServerPlan> partnerOf(ServerPlan server) {
        if (!server.paired()) {
            return Optional.empty();
        }
        return server(server.partner());
    }

    /** Every OSS that exists or should: active ones, new ones, and those being drained. */
    public List<ServerPlan> ossServers() {
        return List.copyOf(oss);
    }

    /** Every server VM: metadata servers (the partner of a pair right after its first VM), then OSSs. */
    public List<ServerPlan> all() {
        List<ServerPlan> all = new ArrayList<>();
        for (ServerPlan m : metadata) {
            all.add(m);
            partners.stream().filter(p -> p.name().equals(m.partner())).forEach(all::add);
        }
        all.addAll(oss);
        return all;
    }

    public boolean isDraining(ServerPlan server) {
        return server.role() == ServerRole.OSS && drainingOrdinals.contains(server.ordinal());
    }

    /** An OSS planned to stay (or be created) on standby: formatted and mounted, taking no new objects. */
    public boolean isStandby(ServerPlan server) {
        return server.role() == ServerRole.OSS && standbyOrdinals.contains(server.ordinal());
    }

    public List<ServerPlan> standbyServers() {
        return oss.stream().filter(this::isStandby).toList();
    }

    public List<ServerPlan> drainingServers() {
        return oss.stream().filter(this::isDraining).toList();
    }

    public ServerPlan mgsServer() {
        return metadata.stream().filter(ServerPlan::runsMgs).findFirst().orElseThrow();
    }

    /** MDS0: holds MDT0 and the client mount used for migrating objects. */
    public ServerPlan firstMds() {
        return metadata.stream()
                .filter(s -> s.role() == ServerRole.MDS && s.ordinal() == 0)
                .findFirst()
                .orElseThrow();
    }

    public List<ServerPlan> mdsServers() {
        return metadata.stream().filter(s -> s.role() == ServerRole.MDS).toList();
    }

    public Optional<ServerPlan> server(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
