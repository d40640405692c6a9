package dev.lustrecsi.deploy;

import static dev.lustrecsi.deploy.Rendered.container;
import static dev.lustrecsi.deploy.Rendered.containerNames;
import static dev.lustrecsi.deploy.Rendered.flag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lustrecsi.controller.StorageClassParameters;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Renders the chart with the real {@code helm template} and checks the objects a cluster would get. */
class ChartRenderTest {
    static final String DRIVER = "lustre.csi.lustrecsi.dev";
    static final String APP_VERSION = "0.1.0";
    static Rendered defaults;

    @BeforeAll
    static void render() {
        defaults = Rendered.parse(Helm.template());
    }

    @Test
    void csiDriverNeedsNoAttachAndNeverChownsTheTree() {
        CSIDriver d = defaults.one(CSIDriver.class, DRIVER);
        assertThat(d.getSpec().getAttachRequired()).isFalse();
        assertThat(d.getSpec().getPodInfoOnMount()).isTrue();
        // No recursive chown of a shared Lustre tree by kubelet (the node plugin does not take VOLUME_MOUNT_GROUP).
        assertThat(d.getSpec().getFsGroupPolicy()).isEqualTo("None");
        assertThat(d.getSpec().getVolumeLifecycleModes()).containsExactly("Persistent");
    }

    @Test
    void everyContainerRunsAPinnedImageWithResources() {
        assertThat(defaults.podSpecs()).hasSize(3);
        for (PodSpec pod : defaults.podSpecs()) {
            for (Container c : pod.getContainers()) {
                assertThat(c.getImage())
                        .as(c.getName())
                        .matches("[a-z0-9./-]+:[A-Za-z0-9._-]+")
                        .doesNotEndWith(":latest");
                assertThat(c.getResources().getRequests())
                        .as(c.getName() + " requests")
                        .containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits())
                        .as(c.getName() + " limits")
                        .containsKey("memory");
            }
        }
    }

    @Test
    void ourImagesDefaultToTheChartAppVersionAndFollowValues() {
        assertThat(container(defaults.controllerPod(), "lustre-csi-controller").getImage())
                .isEqualTo("ghcr.io/lustrecsi/lustre-csi-controller:" + APP_VERSION);
        assertThat(container(defaults.nodePod(), "lustre-csi-node").getImage())
                .isEqualTo("ghcr.io/lustrecsi/lustre-csi-node:" + APP_VERSION);
        assertThat(container(defaults.operatorPod(), "server-provisioner").getImage())
                .isEqualTo("ghcr.io/lustrecsi/lustre-server-provisioner:" + APP_VERSION);

        Rendered custom = Rendered.parse(Helm.template(
                "--set", "images.node.repository=registry.example.org/hpc/lustre-csi-node",
                "--set", "images.node.tag=0.2.0-rc1",
                "--set", "images.csiProvisioner.tag=v9.9.9",
                "--set", "images.pullPolicy=Always"));
        PodSpec node = custom.nodePod();
        assertThat(container(node, "lustre-csi-node").getImage())
                .isEqualTo("registry.example.org/hpc/lustre-csi-node:0.2.0-rc1");
        assertThat(container(custom.controllerPod(), "csi-provisioner").getImage())
                .isEqualTo("registry.k8s.io/sig-storage/csi-provisioner:v9.9.9");
        assertThat(custom.podSpecs())
                .allSatisfy(p -> assertThat(p.getContainers())
                        .allSatisfy(c -> assertThat(c.getImagePullPolicy()).isEqualTo("Always")));
    }

    @Test
    void controllerRunsTheDriverWithProvisionerResizerAndLivenessSidecars() {
        PodSpec pod = defaults.controllerPod();
        assertThat(containerNames(pod))
                .containsExactly("lustre-csi-controller", "csi-provisioner", "csi-resizer", "liveness-probe");
        assertThat(defaults.controller().getSpec().getReplicas()).isEqualTo(2);

        Container driver = container(pod, "lustre-csi-controller");
        assertThat(driver.getArgs())
                .contains(
                        "--endpoint=unix:///csi/csi.sock",
                        "--v=2",
                        "--pool-mount-root=/var/lib/lustre-csi/pools",
                        "--namespace=$(POD_NAMESPACE)",
                        "--server-image=ghcr.io/lustrecsi/lustre-server-vm:2.15.5",
                        "--lustre-version=2.15.5");
        assertThat(mountPath(driver, "pool-mounts")).isEqualTo("/var/lib/lustre-csi/pools");

        Container provisioner = container(pod, "csi-provisioner");
        assertThat(provisioner.getImage()).isEqualTo("registry.k8s.io/sig-storage/csi-provisioner:v5.3.0");
        assertThat(provisioner.getArgs())
                .contains(
                        "--csi-address=/csi/csi.sock",
                        "--leader-election",
                        "--leader-election-namespace=$(POD_NAMESPACE)",
                        "--extra-create-metadata");
        // Topology is GA and on in external-provisioner v5 ("Setting GA feature gate Topology=true. It will be
        // removed in a future release."): the gate would stop the sidecar once it is removed.
        assertThat(provisioner.getArgs()).noneMatch(a -> a.startsWith("--feature-gates"));
        Container resizer = container(pod, "csi-resizer");
        assertThat(resizer.getImage()).isEqualTo("registry.k8s.io/sig-storage/csi-resizer:v1.14.0");
        assertThat(resizer.getArgs())
                .contains("--csi-address=/csi/csi.sock", "--leader-election", "--handle-volume-inuse-error=false");
        // Each leader-electing sidecar learns its namespace from the downward API.
        for (Container c : List.of(provisioner, resizer)) {
            assertThat(c.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
            });
        }
        // Every container that speaks CSI shares the socket directory at /csi.
        assertThat(pod.getContainers())
                .allSatisfy(c -> assertThat(mountPath(c, "socket-dir")).isEqualTo("/csi"));
        assertThat(volume(pod, "socket-dir").getEmptyDir()).isNotNull();

        assertLivenessWired(pod, "lustre-csi-controller");
        assertThat(driver.getSecurityContext().getPrivileged()).isTrue();
        assertSidecarsUnprivileged(pod, "lustre-csi-controller");
        assertThat(pod.getServiceAccountName()).isEqualTo("lustre-csi-controller");
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    }

    @Test
    void everyApiClientHasBoundedRequestsSoNoneOutlivesTheProvisionersTimeout() {
        Container provisioner = container(defaults.controllerPod(), "csi-provisioner");
        long provisionerTimeoutMillis =
                Long.parseLong(flag(provisioner, "--timeout").orElseThrow().replace("s", "")) * 1000;
        List<Container> clients = List.of(
                container(defaults.controllerPod(), "lustre-csi-controller"),
                container(defaults.nodePod(), "lustre-csi-node"),
                container(defaults.operatorPod(), "server-provisioner"));
        for (Container c : clients) {
            Map<String, String> env = new java.util.HashMap<>();
            c.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
            long timeout = Long.parseLong(env.getOrDefault("KUBERNETES_REQUEST_TIMEOUT", "0"));
            long retries = Long.parseLong(env.getOrDefault("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "-1"));
            long backoff = Long.parseLong(env.getOrDefault("KUBERNETES_REQUEST_RETRY_BACKOFFINTERVAL", "0"));
            assertThat(timeout).as(c.getName() + " request timeout").isPositive();
            assertThat(retries).as(c.getName() + " retry limit").isBetween(0L, 10L);
            assertThat(Long.parseLong(env.getOrDefault("KUBERNETES_CONNECTION_TIMEOUT", "0")))
                    .isPositive();
            // fabric8 backs off exponentially from the interval: the worst case of one request, all tries timing out.
            long worst = (retries + 1) * timeout + backoff * ((1L << retries) - 1);
            assertThat(worst)
                    .as(c.getName() + ": one API request, every try timing out")
                    .isLessThan(provisionerTimeoutMillis / 2);
        }
    }

    @Test
    void nodePluginIsPrivilegedOnTheHostNetworkWithBidirectionalKubeletMounts() {
        PodSpec pod = defaults.nodePod();
        assertThat(containerNames(pod)).containsExactly("lustre-csi-node", "node-driver-registrar", "liveness-probe");
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        // Its token: startup taint, pods on its node, Events (RbacLeastPrivilegeTest checks what it may do).
        assertThat(pod.getAutomountServiceAccountToken()).isTrue();

        Container plugin = container(pod, "lustre-csi-node");
        assertThat(plugin.getSecurityContext().getPrivileged()).isTrue();
        assertThat(plugin.getArgs())
                .contains(
                        "--endpoint=unix:///csi/csi.sock",
                        "--node-id=$(NODE_NAME)",
                        "--kubelet-dir=/var/lib/kubelet",
                        "--sysfs-root=/sys",
                        "--max-volumes=-1",
                        "--v=2");
        assertThat(plugin.getArgs()).noneMatch(a -> a.startsWith("--lnet-interface"));
        assertThat(plugin.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        VolumeMount kubelet = plugin.getVolumeMounts().stream()
                .filter(m -> m.getName().equals("kubelet-dir"))
                .findFirst()
                .orElseThrow();
        assertThat(kubelet.getMountPath()).isEqualTo("/var/lib/kubelet");
        assertThat(kubelet.getMountPropagation()).isEqualTo("Bidirectional");
        assertThat(volume(pod, "kubelet-dir").getHostPath().getPath()).isEqualTo("/var/lib/kubelet");

        // kubelet finds the plugin through the registrar at exactly the host path of the socket directory.
        String pluginDir = volume(pod, "plugin-dir").getHostPath().getPath();
        assertThat(pluginDir).isEqualTo("/var/lib/kubelet/plugins/" + DRIVER);
        Container registrar = container(pod, "node-driver-registrar");
        assertThat(registrar.getArgs())
                .contains("--csi-address=/csi/csi.sock", "--kubelet-registration-path=" + pluginDir + "/csi.sock");
        assertThat(mountPath(registrar, "registration-dir")).isEqualTo("/registration");
        assertThat(volume(pod, "registration-dir").getHostPath().getPath())
                .isEqualTo("/var/lib/kubelet/plugins_registry");
        assertThat(registrar.getLivenessProbe().getExec().getCommand())
                .contains(
                        "--mode=kubelet-registration-probe", "--kubelet-registration-path=" + pluginDir + "/csi.sock");

        assertLivenessWired(pod, "lustre-csi-node");
        assertSidecarsUnprivileged(pod, "lustre-csi-node");
        // A node plugin must run wherever Lustre pods may land: by default it tolerates every taint.
        assertThat(pod.getTolerations()).extracting(Toleration::getOperator).containsExactly("Exists");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    }

    @Test
    void kubeletDirAndLnetInterfaceValuesReachEveryPath() {
        Rendered r = Rendered.parse(
                Helm.template("--set", "node.kubeletDir=/var/lib/k0s/kubelet", "--set", "network.lnetInterface=ib0"));
        PodSpec pod = r.nodePod();
        Container plugin = container(pod, "lustre-csi-node");
        assertThat(plugin.getArgs()).contains("--kubelet-dir=/var/lib/k0s/kubelet", "--lnet-interface=ib0");
        assertThat(mountPath(plugin, "kubelet-dir")).isEqualTo("/var/lib/k0s/kubelet");
        assertThat(volume(pod, "plugin-dir").getHostPath().getPath())
                .isEqualTo("/var/lib/k0s/kubelet/plugins/" + DRIVER);
        assertThat(flag(container(pod, "node-driver-registrar"), "--kubelet-registration-path"))
                .contains("/var/lib/k0s/kubelet/plugins/" + DRIVER + "/csi.sock");
        assertThat(volume(pod, "registration-dir").getHostPath().getPath())
                .isEqualTo("/var/lib/k0s/kubelet/plugins_registry");
    }

    @Test
    void tolerationsNodeSelectorsAndResourcesFollowValues() {
        Rendered r = Rendered.parse(Helm.template(
                "--set-json",
                        "controller.tolerations=[{\"key\":\"hpc\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]",
                "--set-json", "node.tolerations=[{\"key\":\"gpu\",\"operator\":\"Equal\",\"value\":\"a100\"}]",
                "--set-json", "node.nodeSelector={\"lustre-client\":\"installed\"}",
                "--set", "controller.resources.controller.limits.memory=3Gi",
                "--set", "operator.resources.requests.cpu=250m"));
        PodSpec ctl = r.controllerPod();
        assertThat(ctl.getTolerations())
                .singleElement()
                .satisfies(t -> assertThat(t.getKey()).isEqualTo("hpc"));
        PodSpec node = r.nodePod();
        assertThat(node.getTolerations())
                .singleElement()
                .satisfies(t -> assertThat(t.getValue()).isEqualTo("a100"));
        assertThat(node.getNodeSelector())
                .containsEntry("lustre-client", "installed")
                .containsEntry("kubernetes.io/os", "linux");
        assertThat(container(ctl, "lustre-csi-controller")
                        .getResources()
                        .getLimits()
                        .get("memory")
                        .toString())
                .isEqualTo("3Gi");
        assertThat(container(r.operatorPod(), "server-provisioner")
                        .getResources()
                        .getRequests()
                        .get("cpu")
                        .toString())
                .isEqualTo("250m");
    }

    @Test
    void operatorRunsAsNonRootWithoutPrivileges() {
        PodSpec pod = defaults.operatorPod();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        Container op = container(pod, "server-provisioner");
        assertThat(op.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(op.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(op.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(op.getArgs())
                .contains(
                        "--ssh-identity=/etc/server-provisioner/ssh/id_ed25519",
                        "--ssh-known-hosts=/var/run/server-provisioner/known_hosts",
                        "--virtctl=/usr/local/bin/virtctl");
        // The SSH key is readable by the non-root user through fsGroup, and optional.
        Volume key = volume(pod, "ssh-key");
        assertThat(key.getSecret().getSecretName()).isEqualTo("lustre-csi-operator-ssh");
        assertThat(key.getSecret().getOptional()).isTrue();
        assertThat(key.getSecret().getDefaultMode()).isEqualTo(0440);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
        assertThat(op.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("ssh-key");
            assertThat(flag(op, "--ssh-identity").orElseThrow()).startsWith(m.getMountPath() + "/");
        });
        // The known_hosts file is written at run time: it lives on a writable volume (read-only root).
        assertThat(op.getVolumeMounts())
                .anySatisfy(m ->
                        assertThat(flag(op, "--ssh-known-hosts").orElseThrow()).startsWith(m.getMountPath() + "/"));
        assertThat(Rendered.parse(Helm.template("--set", "operator.watchNamespace=hpc"))
                        .operator()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getArgs())
                .contains("--namespace=hpc");
        assertThat(pod.getServiceAccountName()).isEqualTo("lustre-csi-operator");
    }

    @Test
    void hostNetworkPluginsServeMetricsOnTheirPodIpOnly() {
        Container node = container(defaults.nodePod(), "lustre-csi-node");
        Container controller = container(defaults.controllerPod(), "lustre-csi-controller");
        for (Container c : List.of(node, controller)) {
            assertThat(flag(c, "--metrics-address")).contains("$(POD_IP)");
            assertThat(c.getEnv())
                    .filteredOn(e -> e.getName().equals("POD_IP"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                            .isEqualTo("status.podIP"));
        }
        // Off the host network the pod has its own interfaces: every one of them is fine.
        Container podNetwork = container(
                Rendered.parse(Helm.template("--set", "controller.hostNetwork=false"))
                        .controller()
                        .getSpec()
                        .getTemplate()
                        .getSpec(),
                "lustre-csi-controller");
        assertThat(flag(podNetwork, "--metrics-address")).isEmpty();
        assertThat(podNetwork.getEnv()).noneMatch(e -> e.getName().equals("POD_IP"));
    }

    @Test
    void operatorWatchingOneNamespaceHasItsRoleThereBoundToItsServiceAccount() {
        Rendered r = Rendered.parse(Helm.template("--set", "operator.watchNamespace=hpc"));
        assertThat(r.objects)
                .filteredOn(o -> "hpc".equals(o.getMetadata().getNamespace()))
                .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "Role/" + Helm.RELEASE + "-operator", "RoleBinding/" + Helm.RELEASE + "-operator");
        // Without watchNamespace nothing is rendered outside the release namespace but the node-lease Role.
        assertThat(defaults.objects)
                .filteredOn(o -> o.getMetadata().getNamespace() != null)
                .extracting(o -> o.getMetadata().getNamespace())
                .containsOnly(Helm.NAMESPACE, "kube-node-lease");
    }

    @Test
    void everyWorkloadUsesAServiceAccountTheChartCreates() {
        List<String> accounts = defaults.all(ServiceAccount.class).stream()
                .map(sa -> sa.getMetadata().getName())
                .toList();
        assertThat(defaults.podSpecs()).allSatisfy(p -> assertThat(accounts).contains(p.getServiceAccountName()));
        // Everything in the release namespace, but the operator's read-only Role on node Leases (node fencing)
        // and its binding, which must live where the Leases are.
        assertThat(defaults.objects)
                .filteredOn(o -> o.getMetadata().getNamespace() != null)
                .filteredOn(o -> !o.getMetadata().getName().equals(Helm.RELEASE + "-operator-node-leases"))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE));
        assertThat(defaults.objects)
                .filteredOn(o -> "kube-node-lease".equals(o.getMetadata().getNamespace()))
                .extracting(o -> o.getKind())
                .containsExactlyInAnyOrder("Role", "RoleBinding");
    }

    @Test
    void controllerAndOperatorRunTwoReplicasThatSurviveADrainAndElectALeader() {
        assertThat(defaults.controller().getSpec().getReplicas()).isEqualTo(2);
        assertThat(defaults.operator().getSpec().getReplicas()).isEqualTo(2);
        // A new operator pod starts as a follower before the old one leaves and hands the Lease over.
        assertThat(defaults.operator().getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(defaults.operator()
                        .getSpec()
                        .getStrategy()
                        .getRollingUpdate()
                        .getMaxUnavailable()
                        .getIntVal())
                .isZero();
        assertThat(defaults.operatorPod()
                        .getAffinity()
                        .getPodAntiAffinity()
                        .getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(
                        t -> assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
        assertThat(defaults.controllerPod()
                        .getAffinity()
                        .getPodAntiAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
        // One replica of each may be evicted at a time; the PDBs select exactly the component's pods.
        assertThat(defaults.all(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class))
                .extracting(p -> p.getMetadata().getName() + " maxUnavailable="
                        + p.getSpec().getMaxUnavailable().getIntVal())
                .containsExactlyInAnyOrder(
                        Helm.RELEASE + "-controller maxUnavailable=1", Helm.RELEASE + "-operator maxUnavailable=1");
        assertThat(defaults.all(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class))
                .allSatisfy(p -> assertThat(p.getSpec().getSelector().getMatchLabels())
                        .isIn(
                                defaults.controller().getSpec().getSelector().getMatchLabels(),
                                defaults.operator().getSpec().getSelector().getMatchLabels()));
        // Both elect on their own Lease with the same timings, passed to their own flags.
        for (Container c : List.of(
                container(defaults.controllerPod(), "lustre-csi-controller"),
                container(defaults.operatorPod(), "server-provisioner"))) {
            assertThat(c.getArgs())
                    .contains(
                            "--leader-election-namespace=$(POD_NAMESPACE)",
                            "--leader-election-lease-duration=PT15S",
                            "--leader-election-renew-deadline=PT10S",
                            "--leader-election-retry-period=PT2S");
            assertThat(c.getEnv()).extracting(e -> e.getName()).contains("POD_NAMESPACE", "POD_NAME");
        }
        // A single replica needs no budget (it could never be evicted voluntarily).
        assertThat(Rendered.parse(Helm.template("--set", "operator.replicas=1", "--set", "controller.replicas=1"))
                        .all(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class))
                .isEmpty();
    }

    @Test
    void nodePluginUpgradesRollAFewNodesAtATime() {
        // Mounted volumes are kernel mounts that outlive the plugin's pod; only new mounts wait for it.
        assertThat(defaults.node().getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(defaults.node()
                        .getSpec()
                        .getUpdateStrategy()
                        .getRollingUpdate()
                        .getMaxUnavailable()
                        .getStrVal())
                .isEqualTo("10%");
    }

    @Test
    void serviceMonitorOnlyWhenAskedAndItsServicesSelectTheMetricsPorts() {
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
        assertThat(defaults.all(Service.class)).isEmpty();

        Rendered r = Rendered.parse(Helm.template(
                "--set",
                "metrics.serviceMonitor.enabled=true",
                "--set",
                "metrics.serviceMonitor.labels.release=kube-prometheus"));
        HasMetadata sm = r.ofKind("ServiceMonitor").get(0);
        assertThat(sm).isInstanceOf(GenericKubernetesResource.class);
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "kube-prometheus");
        List<Map<String, Object>> endpoints = ((GenericKubernetesResource) sm).get("spec", "endpoints");
        assertThat(endpoints).singleElement().satisfies(e -> assertThat(e).containsEntry("port", "metrics"));

        List<Service> services = r.all(Service.class);
        // Controller, node plugin and operator each serve /metrics.
        assertThat(services)
                .extracting(svc -> svc.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "lustre-csi-controller-metrics", "lustre-csi-node-metrics", "lustre-csi-operator-metrics");
        for (Service svc : services) {
            Map<String, String> selector = svc.getSpec().getSelector();
            List<PodSpec> pods = Stream.concat(
                            r.all(Deployment.class).stream()
                                    .map(d -> d.getSpec().getTemplate()),
                            r.all(DaemonSet.class).stream().map(d -> d.getSpec().getTemplate()))
                    .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .map(t -> t.getSpec())
                    .toList();
            assertThat(pods)
                    .as(svc.getMetadata().getName() + " selects exactly one workload")
                    .hasSize(1);
            // The port it scrapes exists on that workload and is the one the process serves metrics on.
            Container served = pods.get(0).getContainers().stream()
                    .filter(c -> c.getPorts().stream().anyMatch(p -> "metrics".equals(p.getName())))
                    .findFirst()
                    .orElseThrow();
            int port = served.getPorts().stream()
                    .filter(p -> "metrics".equals(p.getName()))
                    .findFirst()
                    .orElseThrow()
                    .getContainerPort();
            assertThat(flag(served, "--metrics-port")).contains(String.valueOf(port));
            assertThat(svc.getSpec().getPorts().get(0).getPort()).isEqualTo(port);
        }
    }

    @Test
    void storageClassesFromValuesUseTheDriverAndTheChosenNetwork() {
        StorageClass sc = defaults.one(StorageClass.class, "lustre");
        assertThat(sc.getProvisioner()).isEqualTo(DRIVER);
        assertThat(sc.getAllowVolumeExpansion()).isTrue();
        assertThat(sc.getParameters()).containsEntry("mode", "shared").containsEntry("network", "tcp");

        assertThatCode(() -> StorageClassParameters.parse(sc.getParameters())).doesNotThrowAnyException();

        Rendered rdma = Rendered.parse(Helm.template(
                "--set",
                "network.type=o2ib",
                "--set",
                "network.attachment=hpc-net/ib-fabric",
                "--set-json",
                "network.addresses=[\"192.168.50.10/24\",\"192.168.50.11/24\"]"));
        Map<String, String> params = rdma.one(StorageClass.class, "lustre").getParameters();
        assertThat(params)
                .containsEntry("network", "o2ib")
                .containsEntry("networkAttachment", "hpc-net/ib-fabric")
                .containsEntry("networkAddresses", "192.168.50.10/24,192.168.50.11/24");
        // The controller's own parser accepts what the chart writes.
        assertThat(StorageClassParameters.parse(params).networkAddresses()).hasSize(2);

        Rendered none = Rendered.parse(Helm.template("--set-json", "storageClasses=[]"));
        assertThat(none.all(StorageClass.class)).isEmpty();
    }

    /** The container's liveness probe targets the livenessprobe sidecar's --health-port, under the same port name. */
    private static void assertLivenessWired(PodSpec pod, String plugin) {
        Container c = container(pod, plugin);
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        String portName = c.getLivenessProbe().getHttpGet().getPort().getStrVal();
        int port = c.getPorts().stream()
                .filter(p -> portName.equals(p.getName()))
                .findFirst()
                .orElseThrow()
                .getContainerPort();
        Container probe = container(pod, "liveness-probe");
        assertThat(probe.getArgs()).contains("--csi-address=/csi/csi.sock", "--health-port=" + port);
        assertThat(probe.getImage()).isEqualTo("registry.k8s.io/sig-storage/livenessprobe:v2.16.0");
    }

    private static void assertSidecarsUnprivileged(PodSpec pod, String plugin) {
        assertThat(pod.getContainers())
                .filteredOn(c -> !c.getName().equals(plugin))
                .allSatisfy(c -> {
                    assertThat(c.getSecurityContext().getPrivileged())
                            .as(c.getName())
                            .isNotEqualTo(Boolean.TRUE);
                    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation())
                            .as(c.getName())
                            .isFalse();
                    assertThat(c.getSecurityContext().getCapabilities().getDrop())
                            .as(c.getName())
                            .containsExactly("ALL");
                });
    }

    private static String mountPath(Container c, String volume) {
        return c.getVolumeMounts().stream()
                .filter(m -> volume.equals(m.getName()))
                .map(VolumeMount::getMountPath)
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " does not mount " + volume));
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream()
                .filter(v -> name.equals(v.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }
}
