package dev.lustrecsi.provisioner.iostats;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.lustre.JobStats;
import dev.lustrecsi.lustre.JobStatsCommands;
import dev.lustrecsi.lustre.ToolPaths;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.ServerRole;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.model.TargetStatus;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-PVC and per-pod I/O from Lustre jobstats. Each {@link #poll} runs {@code lctl get_param
 * obdfilter.<fs>-OST*.job_stats} on every ready OSS and {@code mdt.<fs>-MDT*.job_stats} on every ready MDS of
 * each filesystem (through the {@link ServerCommandExecutor}), takes what each job id did since the previous
 * poll, maps the job id to its pod and the pod to the PVCs it mounts from that filesystem ({@link PodVolumes}),
 * and adds it to Prometheus counters:
 * <ul>
 *   <li>{@code lustre_pod_{read,write}_bytes_total}, {@code lustre_pod_{read,write}_ops_total},
 *       {@code lustre_pod_metadata_ops_total} with labels namespace, pod, filesystem_namespace, filesystem;</li>
 *   <li>the same as {@code lustre_pvc_*} with labels namespace, persistentvolumeclaim, filesystem_namespace,
 *       filesystem — for pods that mount exactly one PVC of the filesystem (jobstats count per job, not per
 *       mount, so the I/O of a pod with two PVCs on one filesystem cannot be split and is kept per pod only);</li>
 *   <li>{@code lustre_jobstats_unattributed_bytes_total}: I/O of job ids that name no live pod (processes without
 *       {@code LUSTRE_JOBID}, e.g. the operator's own migration client);</li>
 *   <li>{@code lustre_jobstats_read_failures_total}: servers that did not answer a poll.</li>
 * </ul>
 * The first poll of a filesystem after the operator starts only records where the counters stand, so an
 * operator restart never re-counts what happened before it (Prometheus sees a counter reset). The series of a
 * pod or PVC that no longer exists are dropped.
 */
public final class VolumeIoMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeIoMetrics.class);
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final ServerCommandExecutor executor;
    private final JobStatsCommands commands = new JobStatsCommands(ToolPaths.standard());
    private final Counter[] pod;
    private final Counter[] pvc;
    private final Counter unattributed;
    private final Counter failures;
    /** Per filesystem ("ns/name"): the last cumulative counters per target and job ("target\njob"). */
    private final Map<String, Map<String, JobIo>> last = new ConcurrentHashMap<>();

    private final Set<List<String>> podSeries = ConcurrentHashMap.newKeySet();
    private final Set<List<String>> pvcSeries = ConcurrentHashMap.newKeySet();

    public VolumeIoMetrics(KubernetesClient client, ServerCommandExecutor executor, PrometheusRegistry registry) {
        this.client = client;
        this.executor = executor;
        pod = counters(registry, "lustre_pod_", "Lustre I/O of a pod on a filesystem (from jobstats)", "pod");
        pvc = counters(
                registry,
                "lustre_pvc_",
                "Lustre I/O on a PersistentVolumeClaim (from jobstats)",
                "persistentvolumeclaim");
        unattributed = Counter.builder()
                .name("lustre_jobstats_unattributed_bytes_total")
                .help("Bytes read or written by job ids that name no live pod")
                .labelNames("filesystem_namespace", "filesystem")
                .register(registry);
        failures = Counter.builder()
                .name("lustre_jobstats_read_failures_total")
                .help("Servers whose job_stats could not be read in a poll")
                .labelNames("filesystem_namespace", "filesystem", "server")
                .register(registry);
    }

    private static Counter[] counters(PrometheusRegistry registry, String prefix, String help, String owner) {
        String[] labels = {"namespace", owner, "filesystem_namespace", "filesystem"};
        return new Counter[] {
            Counter.builder()
                    .name(prefix + "read_bytes_total")
                    .help(help + ": bytes read")
                    .labelNames(labels)
                    .register(registry),
            Counter.builder()
                    .name(prefix + "write_bytes_total")
                    .help(help + ": bytes written")
                    .labelNames(labels)
                    .register(registry),
            Counter.builder()
                    .name(prefix + "read_ops_total")
                    .help(help + ": read requests")
                    .labelNames(labels)
                    .register(registry),
            Counter.builder()
                    .name(prefix + "write_ops_total")
                    .help(help + ": write requests")
                    .labelNames(labels)
                    .register(registry),
            Counter.builder()
                    .name(prefix + "metadata_ops_total")
                    .help(help + ": metadata operations on the MDTs")
                    .labelNames(labels)
                    .register(registry)
        };
    }

    /** One round over the given filesystems. Never throws for an unreachable server or API; logs and goes on. */
    public synchronized void poll(List<LustreFileSystem> filesystems) {
        PodVolumes volumes = PodVolumes.read(client);
        for (LustreFileSystem fs : filesystems) {
            try {
                poll(fs, volumes);
            } catch (RuntimeException e) {
                LOG.warn(
                        "jobstats of {}/{} not read: {}",
                        fs.getMetadata().getNamespace(),
                        fs.getMetadata().getName(),
                        e.toString());
            }
        }
        Set<String> present = new HashSet<>();
        filesystems.forEach(fs -> present.add(
                fs.getMetadata().getNamespace() + "/" + fs.getMetadata().getName()));
        last.keySet().retainAll(present);
        dropGone(podSeries, pod, (ns, name) -> volumes.hasPod(ns, name));
        dropGone(pvcSeries, pvc, (ns, name) -> volumes.hasClaim(ns, name));
    }

    private void poll(LustreFileSystem fs, PodVolumes volumes) {
        String ns = fs.getMetadata().getNamespace();
        String name = fs.getMetadata().getName();
        if (fs.getStatus() == null || fs.getSpec() == null || fs.getSpec().getFsName() == null) {
            return;
        }
        FsName fsName = new FsName(fs.getSpec().getFsName());
        Map<String, JobIo> now = new HashMap<>();
        Set<String> targetsRead = new HashSet<>();
        for (ServerStatus s : fs.getStatus().getServers()) {
            if (!s.readyNow() || s.getRole() == ServerRole.MGS) {
                continue;
            }
            List<String> argv =
                    s.getRole() == ServerRole.OSS ? commands.ostJobStats(fsName) : commands.mdtJobStats(fsName);
            CommandResult r = executor.exec(ns, s.getName(), argv, TIMEOUT);
            if (!r.succeeded()) {
                failures.labelValues(ns, name, s.getName()).inc();
                LOG.debug("job_stats on {}: {}", s.getName(), r.describe());
                continue;
            }
            for (TargetStatus t : fs.getStatus().getTargets()) {
                if (s.getName().equals(t.getServer())) {
                    targetsRead.add(t.getName());
                }
            }
            for (JobStats.Entry e : JobStats.parse(r.stdout())) {
                now.merge(e.target() + "\n" + e.jobId(), JobIo.of(e), JobIo::plus);
            }
        }
        String key = ns + "/" + name;
        Map<String, JobIo> before = last.get(key);
        Map<String, JobIo> next = new HashMap<>();
        if (before != null) {
            // Keep what unreachable servers last said, so their counters are not counted again when they answer.
            before.forEach((k, v) -> {
                if (!targetsRead.contains(k.substring(0, k.indexOf('\n')))) {
                    next.put(k, v);
                }
            });
        }
        next.putAll(now);
        last.put(key, next);
        if (before == null) {
            return; // first look: where the counters stand is not news
        }
        Map<String, JobIo> perJob = new HashMap<>();
        now.forEach((k, io) -> {
            JobIo d = before.containsKey(k) ? io.since(before.get(k)) : io;
            if (!d.isZero()) {
                perJob.merge(k.substring(k.indexOf('\n') + 1), d, JobIo::plus);
            }
        });
        perJob.forEach((job, d) -> attribute(job, d, ns, name, volumes));
    }

    private void attribute(String job, JobIo d, String fsNs, String fsName, PodVolumes volumes) {
        Optional<PodVolumes.PodRef> ref = volumes.resolve(job, fsNs, fsName);
        if (ref.isEmpty()) {
            unattributed.labelValues(fsNs, fsName).inc(d.readBytes() + d.writeBytes());
            return;
        }
        PodVolumes.PodRef p = ref.get();
        List<String> podLabels = List.of(p.namespace(), p.pod(), fsNs, fsName);
        add(pod, podLabels, d);
        podSeries.add(podLabels);
        if (p.claims().size() == 1) {
            List<String> pvcLabels = List.of(p.namespace(), p.claims().get(0), fsNs, fsName);
            add(pvc, pvcLabels, d);
            pvcSeries.add(pvcLabels);
        }
    }

    private static void add(Counter[] c, List<String> labels, JobIo d) {
        String[] l = labels.toArray(String[]::new);
        c[0].labelValues(l).inc(d.readBytes());
        c[1].labelValues(l).inc(d.writeBytes());
        c[2].labelValues(l).inc(d.readOps());
        c[3].labelValues(l).inc(d.writeOps());
        c[4].labelValues(l).inc(d.metadataOps());
    }

    private static void dropGone(
            Set<List<String>> series, Counter[] counters, java.util.function.BiPredicate<String, String> exists) {
        for (List<String> labels : new ArrayList<>(series)) {
            if (!exists.test(labels.get(0), labels.get(1))) {
                for (Counter c : counters) {
                    c.remove(labels.toArray(String[]::new));
                }
                series.remove(labels);
            }
        }
    }
}
