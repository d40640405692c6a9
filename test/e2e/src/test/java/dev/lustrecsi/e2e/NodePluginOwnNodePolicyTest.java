package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.testing.kube.ControlPlane;
import dev.lustrecsi.testing.kube.RealControlPlane;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The node plugin's RBAC lets it patch every Node (RBAC cannot say "my node"); the chart's
 * ValidatingAdmissionPolicy narrows that to the Node named in its pod-bound token, on a real API server.
 * The token is the one kubelet would mount: a TokenRequest bound to the plugin's pod on its node, which
 * the API server (>= 1.30) stamps with the node's name.
 */
@RealControlPlane
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodePluginOwnNodePolicyTest {
    /**
     * A release namespace of its own: the control plane (and its audit log, which RealControlPlaneTest checks
     * against the chart) is shared by this JVM's tests, and the refusals this test provokes on purpose must not
     * count as the other tests' node plugin's requests.
     */
    private static final String NS = "lustre-csi-policy-test";

    private static final String OWN = "own-node-policy-a";
    private static final String OTHER = "own-node-policy-b";
    private static final String POD = "lustre-csi-node-own-node-policy";
    private static final Set<String> APPLIED_KINDS = Set.of(
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding");

    private ControlPlane plane;
    private KubernetesClient admin;
    private KubernetesClient plugin;

    private List<HasMetadata> applied = List.of();

    @BeforeAll
    void setUp(ControlPlane cp) {
        plane = cp;
        admin = cp.adminClient();
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(NS)
                        .withLabels(Map.of("pod-security.kubernetes.io/enforce", "privileged"))
                        .endMetadata()
                        .build())
                .serverSideApply();
        // The chart's node ServiceAccount, its RBAC and the policy, exactly as rendered for a release in NS.
        List<HasMetadata> objects = Chart.render(admin, NS).objects().stream()
                .filter(o -> APPLIED_KINDS.contains(o.getKind())
                        && o.getMetadata().getName().startsWith(Chart.NODE_SA))
                .toList();
        assertThat(objects).extracting(HasMetadata::getKind).containsAll(APPLIED_KINDS);
        objects.forEach(o -> admin.resource(o).serverSideApply());
        applied = objects;
        for (String node : List.of(OWN, OTHER)) {
            admin.nodes()
                    .resource(new NodeBuilder()
                            .withNewMetadata()
                            .withName(node)
                            .endMetadata()
                            .build())
                    .serverSideApply();
        }
        // The plugin's pod on its node (never started: there is no kubelet; the token binding needs only the object).
        Pod pod = admin.pods()
                .inNamespace(NS)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName(POD)
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName(OWN)
                        .withServiceAccountName(Chart.NODE_SA)
                        .withAutomountServiceAccountToken(false)
                        .addNewContainer()
                        .withName("node")
                        .withImage("registry.k8s.io/pause:3.10")
                        .endContainer()
                        .endSpec()
                        .build())
                .create();
        String token = admin.serviceAccounts()
                .inNamespace(NS)
                .withName(Chart.NODE_SA)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withExpirationSeconds(3600L)
                        .withNewBoundObjectRef()
                        .withApiVersion("v1")
                        .withKind("Pod")
                        .withName(POD)
                        .withUid(pod.getMetadata().getUid())
                        .endBoundObjectRef()
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
        plugin = clientWithToken(token);
    }

    @AfterAll
    void tearDown() {
        // The policy is cluster-wide and the control plane is shared by this JVM's tests: the harness of the others
        // runs the node plugin under a token bound to no Pod, which the policy rightly refuses. Removed, and waited
        // for until the API server's admission no longer applies it.
        applied.stream()
                .filter(o -> o.getKind().startsWith("ValidatingAdmissionPolicy"))
                .forEach(o -> admin.resource(o).delete());
        if (plugin != null) {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .untilAsserted(() -> plugin.nodes()
                            .withName(OTHER)
                            .dryRun()
                            .patch(
                                    PatchContext.of(PatchType.JSON_MERGE),
                                    "{\"metadata\":{\"labels\":{\"lustre-csi-test\":\"probe\"}}}"));
            plugin.close();
        }
        admin.pods().inNamespace(NS).withName(POD).withGracePeriod(0).delete();
        admin.nodes().withName(OWN).delete();
        admin.nodes().withName(OTHER).delete();
    }

    @Test
    void theNodePluginMayPatchItsOwnNodeButNoOther() {
        awaitPolicyActive();
        assertThatThrownBy(() -> label(plugin, OTHER)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(e.getMessage()).contains("may only change the Node it runs on");
        });
        assertThat(admin.nodes().withName(OTHER).get().getMetadata().getLabels())
                .doesNotContainKey("lustre-csi-test");
        // Its own Node: RBAC grants it and the policy admits it (how the startup taint comes off).
        label(plugin, OWN);
        assertThat(admin.nodes().withName(OWN).get().getMetadata().getLabels())
                .containsEntry("lustre-csi-test", "patched");
        // The policy polices only the plugin's account: an administrator still changes any Node.
        label(admin, OTHER);
    }

    @Test
    void aNodePluginTokenNotBoundToAPodOnANodeMayPatchNoNode() {
        // E.g. a token requested through the API for the account: RBAC would allow the patch; the policy refuses it.
        try (KubernetesClient unbound = clientWithToken(plane.token(NS, Chart.NODE_SA))) {
            awaitPolicyActive();
            assertThatThrownBy(() -> label(unbound, OWN)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getMessage()).contains("may only change the Node it runs on");
            });
        }
    }

    /**
     * The API server loads a new policy asynchronously: waits until it denies the plugin's patch of another
     * Node, probing with dry runs (admission runs, nothing is written) so no probe changes a Node.
     */
    private void awaitPolicyActive() {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThatThrownBy(() -> plugin.nodes()
                                .withName(OTHER)
                                .dryRun()
                                .patch(
                                        PatchContext.of(PatchType.JSON_MERGE),
                                        "{\"metadata\":{\"labels\":{\"lustre-csi-test\":\"probe\"}}}"))
                        .isInstanceOf(KubernetesClientException.class));
    }

    private static void label(KubernetesClient client, String node) {
        client.nodes()
                .withName(node)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"labels\":{\"lustre-csi-test\":\"patched\"}}}");
    }

    private KubernetesClient clientWithToken(String token) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(Config.empty())
                        .withMasterUrl(plane.serverUrl())
                        .withCaCertFile(plane.caCertificate().toString())
                        .withOauthToken(token)
                        .withNamespace(NS)
                        .withRequestTimeout(30_000)
                        .build())
                .build();
    }
}
