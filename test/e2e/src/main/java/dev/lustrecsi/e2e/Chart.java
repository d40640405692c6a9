package dev.lustrecsi.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Helm chart (deploy/chart/lustre-csi) rendered by the real {@code helm template} (installed in
 * {@code .tools/bin} by {@code bin/install-test-tools}) with the release name and namespace of the docs, as
 * the objects a cluster admin applies.
 */
public final class Chart {
    public static final String RELEASE = "lustre-csi";
    /** The chart's ServiceAccounts, one per component. */
    public static final String CONTROLLER_SA = RELEASE + "-controller";

    public static final String NODE_SA = RELEASE + "-node";
    public static final String OPERATOR_SA = RELEASE + "-operator";

    private final List<HasMetadata> objects;

    private Chart(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** The repository root: the nearest ancestor of the working directory that holds the chart. */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/chart/lustre-csi"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "deploy/chart/lustre-csi not found above " + Path.of("").toAbsolutePath());
    }

    /** {@code helm template lustre-csi deploy/chart/lustre-csi -n <namespace> --include-crds [--set v]...}, parsed. */
    public static Chart render(KubernetesClient parser, String namespace, String... setValues) {
        Path root = repoRoot();
        Path helm = root.resolve(".tools/bin/helm");
        List<String> cmd = new java.util.ArrayList<>(List.of(
                helm.toString(),
                "template",
                RELEASE,
                root.resolve("deploy/chart/lustre-csi").toString(),
                "--namespace",
                namespace,
                "--include-crds"));
        for (String value : setValues) {
            cmd.add("--set");
            cmd.add(value);
        }
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p, true));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p, false));
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "helm template failed: " + new String(err.join(), StandardCharsets.UTF_8));
            }
            return new Chart(parser.load(new ByteArrayInputStream(out.join())).items());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(Process p, boolean stdout) {
        try {
            return (stdout ? p.getInputStream() : p.getErrorStream()).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<HasMetadata> objects() {
        return objects;
    }

    /**
     * Applies every object to the API server with strict field validation, as {@code kubectl apply} with
     * validation does, after creating the namespace (labelled for privileged pods, which the node plugin and
     * the controller are). Objects of APIs this server does not serve (e.g. Prometheus' ServiceMonitor) are
     * skipped and returned.
     */
    public List<String> apply(KubernetesClient admin, String namespace) {
        admin.namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(namespace)
                        .withLabels(Map.of("pod-security.kubernetes.io/enforce", "privileged"))
                        .endMetadata()
                        .build())
                .serverSideApply();
        List<String> skipped = new ArrayList<>();
        // CRDs first: nothing else in the chart is a custom resource, but order as kubectl would.
        List<HasMetadata> ordered = new ArrayList<>(objects.stream()
                .filter(o -> "CustomResourceDefinition".equals(o.getKind()))
                .toList());
        objects.stream()
                .filter(o -> !"CustomResourceDefinition".equals(o.getKind()))
                .forEach(ordered::add);
        for (HasMetadata o : ordered) {
            try {
                admin.resource(o).fieldValidation(Validation.STRICT).serverSideApply();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404
                        && e.getMessage() != null
                        && e.getMessage().contains("the server could not find the requested resource")) {
                    skipped.add(o.getKind() + "/" + o.getMetadata().getName());
                } else {
                    throw e;
                }
            }
        }
        return skipped;
    }

    /** The args of a container of the chart's controller Deployment, with the pod's env substituted. */
    public List<String> controllerContainerArgs(String container, Map<String, String> env) {
        Deployment d = objects.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .filter(x -> x.getMetadata().getName().equals(CONTROLLER_SA))
                .findFirst()
                .orElseThrow();
        return d.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(container))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no container " + container))
                .getArgs()
                .stream()
                .map(a -> {
                    String out = a;
                    for (Map.Entry<String, String> e : env.entrySet()) {
                        out = out.replace("$(" + e.getKey() + ")", e.getValue());
                    }
                    return out;
                })
                .toList();
    }

    /** A rule the chart grants a ServiceAccount, and where (empty namespace: cluster-wide). */
    public record Grant(String namespace, PolicyRule rule) {}

    /** Every rule bound to the ServiceAccount by the chart's (Cluster)RoleBindings. */
    public List<Grant> grantsOf(String namespace, String serviceAccount) {
        List<Grant> out = new ArrayList<>();
        for (ClusterRoleBinding b : all(ClusterRoleBinding.class)) {
            if (names(b.getSubjects(), namespace, serviceAccount)) {
                all(ClusterRole.class).stream()
                        .filter(r ->
                                r.getMetadata().getName().equals(b.getRoleRef().getName()))
                        .forEach(r -> r.getRules().forEach(rule -> out.add(new Grant("", rule))));
            }
        }
        for (RoleBinding b : all(RoleBinding.class)) {
            if (names(b.getSubjects(), namespace, serviceAccount)) {
                String ns = b.getMetadata().getNamespace() == null
                        ? namespace
                        : b.getMetadata().getNamespace();
                if ("ClusterRole".equals(b.getRoleRef().getKind())) {
                    all(ClusterRole.class).stream()
                            .filter(r -> r.getMetadata()
                                    .getName()
                                    .equals(b.getRoleRef().getName()))
                            .forEach(r -> r.getRules().forEach(rule -> out.add(new Grant(ns, rule))));
                } else {
                    all(Role.class).stream()
                            .filter(r -> r.getMetadata()
                                    .getName()
                                    .equals(b.getRoleRef().getName()))
                            .forEach(r -> r.getRules().forEach(rule -> out.add(new Grant(ns, rule))));
                }
            }
        }
        return out;
    }

    private static boolean names(
            List<io.fabric8.kubernetes.api.model.rbac.Subject> subjects, String namespace, String sa) {
        return subjects != null
                && subjects.stream()
                        .anyMatch(s -> "ServiceAccount".equals(s.getKind())
                                && sa.equals(s.getName())
                                && namespace.equals(s.getNamespace()));
    }

    private <T> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
