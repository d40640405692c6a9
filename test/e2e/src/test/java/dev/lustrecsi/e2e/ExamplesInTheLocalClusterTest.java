package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.csi.DriverNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The files in examples/ as a new user applies them to the demo's cluster: every claim of a driver class is
 * provisioned and bound as written and mounts into a pod (the classes rely on the controller's default server image
 * and Lustre version, as the chart sets them), and a misconfigured class shows up as a short Event on the claim
 * while the provisioner backs off instead of spinning.
 */
class ExamplesInTheLocalClusterTest extends ClusterTest {
    private static final Path EXAMPLES =
            Path.of("../../examples").toAbsolutePath().normalize();
    private static final String NAMESPACE = "examples";

    /** The examples' own classes only: no pool StorageClass of the harness. */
    @Override
    LocalCluster startCluster() {
        LocalCluster c = Story.startClusterWithoutStorageClass("examples");
        c.ensureNamespace(NAMESPACE);
        return c;
    }

    @Test
    void everyExampleClaimOfADriverClassIsBoundAsWrittenAndMountsIntoAPod() throws IOException {
        List<String> claims = new ArrayList<>();
        for (Path file : exampleFiles()) {
            for (HasMetadata o : load(file)) {
                if (o instanceof StorageClass sc) {
                    cluster.client()
                            .storage()
                            .v1()
                            .storageClasses()
                            .resource(sc)
                            .create();
                }
            }
        }
        for (Path file : exampleFiles()) {
            for (HasMetadata o : load(file)) {
                if (o instanceof PersistentVolumeClaim pvc
                        && pvc.getSpec().getStorageClassName() != null
                        && !pvc.getSpec().getStorageClassName().isEmpty()) {
                    cluster.client()
                            .persistentVolumeClaims()
                            .inNamespace(NAMESPACE)
                            .resource(pvc)
                            .create();
                    claims.add(pvc.getMetadata().getName());
                }
            }
        }
        assertThat(claims).as("claims in examples/").contains("shared-data", "ior-scratch", "home-alice");

        ExternalProvisioner provisioner = new ExternalProvisioner(
                cluster.client(), cluster::controllerStub, Duration.ofMillis(200), Duration.ofSeconds(2));
        await().atMost(Story.PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            provisioner.sync();
            assertThat(provisioner.errorCodes())
                    .as("final refusals: %s", provisioner.lastErrors())
                    .doesNotContain(Status.Code.INVALID_ARGUMENT);
            return claims.stream()
                    .allMatch(n -> provisioner.volumeOf(NAMESPACE, n).isPresent());
        });
        for (String claim : claims) {
            PersistentVolume pv = provisioner.volumeOf(NAMESPACE, claim).orElseThrow();
            assertThat(pv.getSpec().getCsi().getDriver()).isEqualTo(DriverNames.DRIVER_NAME);
            assertThat(pv.getMetadata().getName())
                    .as("PV name like a real cluster's")
                    .matches("pvc-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        }
        // What the pods of the examples do with their claims: kubelet stages and publishes each volume into a
        // pod, which writes and reads a file there; then the pod ends and the volume is unstaged.
        Kubelet kubelet = new Kubelet(cluster.kubeletDir(), cluster::nodeStub);
        for (String claim : claims) {
            PersistentVolume pv = provisioner.volumeOf(NAMESPACE, claim).orElseThrow();
            kubelet.stage(pv);
            Path mounted = kubelet.startPod(pv, "pod-" + claim);
            assertThat(Story.mountsAt(mounted))
                    .as("%s bind-mounted into its pod", claim)
                    .isEqualTo(1);
            Files.writeString(mounted.resolve("hello.txt"), "written by a pod using " + claim);
            assertThat(Files.readString(mounted.resolve("hello.txt"))).isEqualTo("written by a pod using " + claim);
            kubelet.stopPod(pv, "pod-" + claim);
            kubelet.unstage(pv);
        }
    }

    @Test
    void aClassWithABadParameterIsAnEventOnTheClaimAndTheProvisionerBacksOff() {
        cluster.createStorageClass(LocalCluster.driverStorageClass("lustre-typo")
                .addToParameters("mode", "shared")
                .addToParameters("pool", "typo-pool")
                .addToParameters("ostSize", "lots")
                .build());
        cluster.client()
                .persistentVolumeClaims()
                .inNamespace(NAMESPACE)
                .resource(ExternalProvisioner.claim(NAMESPACE, "typo-claim", "10Gi", "lustre-typo"))
                .create();
        // The sidecar's default shape: 1 s, doubling. Polled every 100 ms for 3.5 s, a spinning provisioner
        // would call 35 times; a backing-off one calls at 0, 1 and 3 s.
        ExternalProvisioner provisioner = new ExternalProvisioner(cluster.client(), cluster::controllerStub);
        long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
        while (System.nanoTime() < end) {
            PersistentVolumeClaim pvc = cluster.client()
                    .persistentVolumeClaims()
                    .inNamespace(NAMESPACE)
                    .withName("typo-claim")
                    .get();
            provisioner.provision(pvc);
            PluginProcess.sleep(100);
        }
        assertThat(provisioner.errorCodes())
                .containsOnly(Status.Code.INVALID_ARGUMENT)
                .hasSizeBetween(2, 3);

        List<Event> events = provisioner.eventsOf(NAMESPACE, "typo-claim");
        assertThat(events).hasSize(1);
        Event e = events.get(0);
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getReason()).isEqualTo("ProvisioningFailed");
        assertThat(e.getCount()).isEqualTo(provisioner.errorCodes().size());
        assertThat(e.getMessage())
                .startsWith("failed to provision volume with StorageClass \"lustre-typo\": "
                        + "rpc error: code = InvalidArgument desc = ")
                .contains("ostSize")
                .hasSizeLessThan(400);
        assertThat(cluster.client().persistentVolumes().list().getItems())
                .noneMatch(pv -> "typo-claim".equals(pv.getSpec().getClaimRef().getName()));
    }

    @Test
    void aClientOfTheDemosKubeconfigCanWatchAsTheOperatorDoes() throws Exception {
        // The operator started against the demo's kubeconfig (bin/demo --keep) watches LustreFileSystems, VMs
        // and claims through the same front as kubectl.
        Config config = Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
        try (KubernetesClient user =
                new KubernetesClientBuilder().withConfig(config).build()) {
            CountDownLatch seen = new CountDownLatch(1);
            try (Watch ignored = user.configMaps().inNamespace(NAMESPACE).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, ConfigMap resource) {
                    if ("watched".equals(resource.getMetadata().getName())) {
                        seen.countDown();
                    }
                }

                @Override
                public void onClose(WatcherException cause) {}
            })) {
                cluster.client()
                        .configMaps()
                        .inNamespace(NAMESPACE)
                        .resource(new ConfigMapBuilder()
                                .withNewMetadata()
                                .withName("watched")
                                .endMetadata()
                                .build())
                        .create();
                assertThat(seen.await(60, TimeUnit.SECONDS))
                        .as("the watch saw the new ConfigMap")
                        .isTrue();
            }
        }
    }

    private static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private List<HasMetadata> load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return cluster.client().load(in).items();
        }
    }
}
