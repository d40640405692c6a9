package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.controller.VolumeRecord;
import dev.lustrecsi.controller.VolumeRecords;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import dev.lustrecsi.model.VolumeState;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a test does to the local cluster, in a user's words: claim, wait until bound, run pods, delete. Waits are
 * Awaitility conditions with generous bounds (CI runs on two loaded cores); nothing asserts on time.
 */
final class Story {
    static final Duration PATIENCE = Duration.ofMinutes(2);

    final LocalCluster cluster;
    final ExternalProvisioner provisioner;
    final Kubelet kubelet;
    final String namespace;

    Story(LocalCluster cluster, String namespace) {
        this.cluster = cluster;
        this.namespace = namespace;
        // Off the real control plane: the sidecar's backoff shape with shorter intervals (these tests are about
        // the driver, not the sidecar's patience).
        this.provisioner = cluster.realControlPlane()
                ? ExternalProvisioner.observing(cluster.client())
                : new ExternalProvisioner(
                        cluster.client(), cluster::controllerStub, Duration.ofMillis(100), Duration.ofSeconds(2));
        this.kubelet = new Kubelet(cluster.kubeletDir(), cluster::nodeStub);
        cluster.ensureNamespace(namespace);
    }

    /** A cluster for one test class, in a fresh directory, with the shared-pool StorageClass applied. */
    static LocalCluster startCluster(String name) {
        LocalCluster c = startClusterWithoutStorageClass(name);
        c.applyStorageClass(Map.of());
        return c;
    }

    /** As {@link #startCluster}, for a test that applies StorageClasses of its own. */
    static LocalCluster startClusterWithoutStorageClass(String name) {
        return LocalCluster.start(home(name));
    }

    /**
     * A fresh directory for a test class's cluster, named after it cut to 20 characters: the plugins' and sidecars'
     * Unix sockets below it must fit in sun_path (108 bytes), and test classes have long names.
     */
    private static Path home(String name) {
        try {
            return Files.createTempDirectory("lustre-csi-e2e-" + name.substring(0, Math.min(name.length(), 20)) + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A cluster for one test class on a real control plane of its own, with the real CSI sidecars, where the
     * binaries are installed; on the mock otherwise (the test logs say which).
     */
    static LocalCluster startClusterOnRealControlPlaneIfAvailable(String name) {
        LocalCluster c = startClusterWithoutStorageClassOnRealControlPlaneIfAvailable(name);
        c.applyStorageClass(Map.of());
        return c;
    }

    /** As {@link #startClusterOnRealControlPlaneIfAvailable}, for a test that applies a StorageClass of its own. */
    static LocalCluster startClusterWithoutStorageClassOnRealControlPlaneIfAvailable(String name) {
        LocalCluster c = LocalCluster.startOnRealControlPlaneIfAvailable(home(name), LocalCluster.Settings.defaults());
        System.out.println(name + ": "
                + (c.realControlPlane()
                        ? "real control plane " + c.apiUrl() + " (started in "
                                + c.controlPlane().startupTime().toMillis() + " ms)"
                        : "mock API server ("
                                + dev.lustrecsi.testing.kube.ControlPlane.unavailableReason()
                                        .orElse("") + ")"));
        return c;
    }

    /**
     * Stops everything and removes the cluster's directory (nothing is mounted there any more), unless
     * LUSTRE_CSI_K8S_KEEP is set.
     */
    static void stopCluster(LocalCluster c) {
        if (c == null) {
            return;
        }
        c.close();
        if (System.getenv(dev.lustrecsi.testing.kube.ControlPlane.KEEP_ENV) != null) {
            // Kept for diagnosis, with the control plane's folder: the components' logs are under logs/.
            System.out.println("kept " + c.home());
            return;
        }
        try (Stream<Path> walk = Files.walk(c.home())) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not remove " + c.home() + ": " + e.getMessage());
        }
    }

    void claim(String size, String... names) {
        for (String n : names) {
            cluster.client()
                    .persistentVolumeClaims()
                    .inNamespace(namespace)
                    .resource(ExternalProvisioner.claim(namespace, n, size, LocalCluster.STORAGE_CLASS))
                    .create();
        }
    }

    /** Runs the provisioner until every claim is bound; returns their PVs in order. */
    List<PersistentVolume> awaitBound(String... names) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            provisioner.sync();
            if (provisioner.errorCodes().contains(io.grpc.Status.Code.INVALID_ARGUMENT)) {
                // A final answer: no retry can bind the claim, so fail now and say why.
                throw new AssertionError("CreateVolume refused: " + provisioner.lastErrors());
            }
            return Stream.of(names)
                    .allMatch(n -> provisioner.volumeOf(namespace, n).isPresent());
        });
        return Stream.of(names)
                .map(n -> provisioner.volumeOf(namespace, n).orElseThrow())
                .toList();
    }

    /** The volume (and PV) name external-provisioner gives the claim {@code name}: pvc-{@code <its UID>}. */
    String volumeName(String claim) {
        return "pvc-"
                + cluster.client()
                        .persistentVolumeClaims()
                        .inNamespace(namespace)
                        .withName(claim)
                        .get()
                        .getMetadata()
                        .getUid();
    }

    /**
     * With the operator stopped, claims 100Gi as {@code claim} through the real external-provisioner and waits until
     * its CreateVolume has made the new pool and the volume's record: the call now waits for the pool to become
     * Ready, which needs the operator. Returns the volume's name.
     */
    String claimWhileTheNewPoolWaitsForTheOperator(String claim) {
        cluster.killOperator();
        claim("100Gi", claim);
        String volume = volumeName(claim);
        // The real provisioner first waits for its Lease; on a loaded machine that took more than PATIENCE.
        await().atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.pool() != null && ledger().containsKey(volume));
        return volume;
    }

    PersistentVolume claimAndBind(String size, String name) {
        claim(size, name);
        return awaitBound(name).get(0);
    }

    void deleteClaims(String... names) {
        for (String n : names) {
            cluster.client()
                    .persistentVolumeClaims()
                    .inNamespace(namespace)
                    .withName(n)
                    .delete();
        }
    }

    /** Runs the provisioner until no PV names any of these claims. */
    void awaitReleased(String... names) {
        Set<String> claims = Set.of(names);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
            provisioner.sync();
            return cluster.client().persistentVolumes().list().getItems().stream()
                    .noneMatch(pv -> pv.getSpec().getClaimRef() != null
                            && namespace.equals(pv.getSpec().getClaimRef().getNamespace())
                            && claims.contains(pv.getSpec().getClaimRef().getName()));
        });
    }

    /** Waits until the pool is Ready with every OST of its spec active and ready. */
    LustreFileSystem awaitPoolSettled() {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> settled(cluster.pool()));
        return cluster.pool();
    }

    static boolean settled(LustreFileSystem fs) {
        return fs != null
                && fs.getStatus() != null
                && fs.getStatus().getPhase() == Phase.Ready
                && fs.getSpec().getOstCount().equals(fs.getStatus().getActiveOsts())
                && fs.getSpec().getOstCount().equals(fs.getStatus().getReadyOsts());
    }

    /** The pool's volume records (LustreVolumes) as stored in the API server, by volume name. */
    Map<String, VolumeRecord> ledger() {
        Map<String, VolumeRecord> out = new TreeMap<>();
        for (dev.lustrecsi.model.LustreVolume v : cluster.client()
                .resources(dev.lustrecsi.model.LustreVolume.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withLabel(VolumeRecords.LABEL_POOL, LocalCluster.POOL)
                .list()
                .getItems()) {
            VolumeRecords.parse(v).ifPresent(p -> out.put(p.name(), p.record()));
        }
        return out;
    }

    /** Volume directories on the pool as the Lustre servers hold them. */
    Set<String> volumeDirsOnServer() {
        try (Stream<Path> s = Files.list(cluster.poolOnServer())) {
            Set<String> out = new TreeSet<>();
            s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many mounts sit exactly at {@code path}. */
    static long mountsAt(Path path) {
        return mountPoints().stream().filter(path::equals).count();
    }

    static List<Path> mountsBelow(Path dir) {
        return mountPoints().stream()
                .filter(p -> p.startsWith(dir) && !p.equals(dir))
                .toList();
    }

    static List<Path> mountPoints() {
        try {
            List<Path> out = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                out.add(Path.of(line.split(" ")[4].replace("\\040", " ")));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file and directory below {@code dir}, sorted (to show nothing was created). */
    static List<String> tree(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString())
                    .sorted(Comparator.naturalOrder())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code pv} is the volume {@code volume}, made exactly once: the pool is the only filesystem, and there is one
     * record (Ready), one directory on the server and one PersistentVolume.
     */
    void assertTheOnlyVolume(PersistentVolume pv, String volume) {
        assertThat(pv.getMetadata().getName()).isEqualTo(volume);
        assertThat(cluster.client()
                        .resources(LustreFileSystem.class)
                        .inNamespace(LocalCluster.NAMESPACE)
                        .list()
                        .getItems())
                .extracting(f -> f.getMetadata().getName())
                .containsExactly(LocalCluster.POOL);
        assertThat(ledger()).containsOnlyKeys(volume);
        assertThat(ledger().get(volume).state()).isEqualTo(VolumeState.Ready);
        assertThat(volumeDirsOnServer()).containsExactly(volume);
        assertThat(cluster.client().persistentVolumes().list().getItems()).hasSize(1);
    }

    /** A stand-in marker file: {@code down/lfs-setquota} makes that lfs command fail as with unreachable servers. */
    void marker(String relative, boolean on) {
        cluster.standIns().marker(relative, on);
    }
}
