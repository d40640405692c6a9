package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart grants exactly the verbs the RBAC table in deploy/README-install.md lists: no more (least
 * privilege), no less (the documented table is the truth an admin audits against).
 */
class RbacLeastPrivilegeTest {

    /** One granted permission: "controller cluster core persistentvolumes get". */
    record Grant(String account, String scope, String group, String resource, String verb)
            implements Comparable<Grant> {
        @Override
        public int compareTo(Grant o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return account + " " + scope + " " + group + " " + resource + " " + verb;
        }
    }

    @Test
    void chartGrantsExactlyTheDocumentedVerbs() {
        Rendered r = Rendered.parse(Helm.template("--set", "metrics.serviceMonitor.enabled=true"));
        assertThat(granted(r)).containsExactlyElementsOf(documented());
    }

    @Test
    void plainManifestsGrantExactlyTheDocumentedVerbs() {
        Rendered r = Rendered.parse(RepoFiles.read(RepoFiles.MANIFESTS));
        assertThat(granted(r)).containsExactlyElementsOf(documented());
    }

    @Test
    void noRuleUsesWildcardsOrResourceNamesOutsideTheTable() {
        Rendered r = Rendered.parse(Helm.template());
        Stream.concat(
                        r.all(ClusterRole.class).stream().flatMap(c -> c.getRules().stream()),
                        r.all(Role.class).stream().flatMap(c -> c.getRules().stream()))
                .forEach(rule -> {
                    assertThat(rule.getVerbs()).doesNotContain("*");
                    assertThat(rule.getResources()).doesNotContain("*");
                    assertThat(rule.getApiGroups()).doesNotContain("*");
                    assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
                });
        // Roles nobody is bound to would be unaudited grants waiting for a binding.
        Set<String> bound = new TreeSet<>();
        r.all(ClusterRoleBinding.class)
                .forEach(b -> bound.add("ClusterRole/" + b.getRoleRef().getName()));
        r.all(RoleBinding.class)
                .forEach(b -> bound.add(
                        b.getRoleRef().getKind() + "/" + b.getRoleRef().getName()));
        r.all(ClusterRole.class)
                .forEach(c -> assertThat(bound)
                        .contains("ClusterRole/" + c.getMetadata().getName()));
        r.all(Role.class)
                .forEach(c ->
                        assertThat(bound).contains("Role/" + c.getMetadata().getName()));
    }

    @Test
    void nodePluginMayOnlyUntaintNodesReadPodsCreateEventsAndReadFilesystems() {
        Rendered r = Rendered.parse(Helm.template());
        // Privileged on every node, so its token must not write anything but a Node's taints and Events (and reads
        // LustreFileSystems only by name, for their MGS NIDs).
        assertThat(granted(r))
                .filteredOn(g -> g.account().equals("node"))
                .map(Grant::toString)
                .containsExactlyInAnyOrder(
                        "node cluster core nodes get",
                        "node cluster core nodes patch",
                        "node cluster core pods list",
                        "node cluster core events create",
                        "node cluster lustre.lustrecsi.dev lustrefilesystems get");
        assertThat(r.nodePod().getServiceAccountName()).isEqualTo(Helm.RELEASE + "-node");
        assertThat(r.nodePod().getAutomountServiceAccountToken()).isTrue();
    }

    @Test
    void nodePluginsNodeChangesAreAdmittedOnlyForTheNodeInItsOwnToken() {
        Rendered r = Rendered.parse(Helm.template());
        ValidatingAdmissionPolicy policy = r.one(ValidatingAdmissionPolicy.class, Helm.RELEASE + "-node-own-node-only");
        ValidatingAdmissionPolicyBinding binding =
                r.one(ValidatingAdmissionPolicyBinding.class, Helm.RELEASE + "-node-own-node-only");
        // Bound and enforced (not only audited), failing closed.
        assertThat(binding.getSpec().getPolicyName())
                .isEqualTo(policy.getMetadata().getName());
        assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
        assertThat(policy.getSpec().getFailurePolicy()).isEqualTo("Fail");
        // Every change the plugin's RBAC allows on Nodes (patch = UPDATE in admission), in the core group.
        assertThat(policy.getSpec().getMatchConstraints().getResourceRules())
                .singleElement()
                .satisfies(rule -> {
                    assertThat(rule.getApiGroups()).containsExactly("");
                    assertThat(rule.getResources()).containsExactly("nodes");
                    assertThat(rule.getOperations()).containsExactly("UPDATE");
                });
        // Only the node plugin's own service account is policed, by its exact user name.
        assertThat(policy.getSpec().getMatchConditions())
                .singleElement()
                .satisfies(c -> assertThat(c.getExpression())
                        .isEqualTo("request.userInfo.username == \"system:serviceaccount:" + Helm.NAMESPACE + ":"
                                + Helm.RELEASE + "-node\""));
        // The Node must be the one named in the token; a token without a node name may change none.
        assertThat(policy.getSpec().getValidations())
                .singleElement()
                .satisfies(
                        v -> assertThat(v.getExpression())
                                .contains("'authentication.kubernetes.io/node-name' in request.userInfo.extra &&")
                                .contains(
                                        "object.metadata.name == request.userInfo.extra['authentication.kubernetes.io/node-name'][0]"));
        // The plain manifests carry the same policy.
        assertThat(Rendered.parse(RepoFiles.read(RepoFiles.MANIFESTS))
                        .find(
                                ValidatingAdmissionPolicy.class,
                                policy.getMetadata().getName()))
                .isPresent();
    }

    @Test
    void ownNodePolicyIsLeftOutWhenDisabledOrTheClusterPredatesIt() {
        assertThat(Rendered.parse(Helm.template("--set", "node.restrictToOwnNode=false"))
                        .all(ValidatingAdmissionPolicy.class))
                .isEmpty();
        // admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is GA since 1.30: an older API server would
        // refuse the whole install.
        Rendered old = Rendered.parse(Helm.template("--kube-version", "1.29.0"));
        assertThat(old.all(ValidatingAdmissionPolicy.class)).isEmpty();
        assertThat(old.all(ValidatingAdmissionPolicyBinding.class)).isEmpty();
    }

    @Test
    void operatorWatchingOneNamespaceIsGrantedNamespacedVerbsOnlyThere() {
        TreeSet<Grant> all = granted(Rendered.parse(Helm.template("--set", "operator.watchNamespace=hpc")));
        List<String> cluster = all.stream()
                .filter(g -> g.account().equals("operator") && g.scope().equals("cluster"))
                .map(Grant::toString)
                .toList();
        // Cluster-wide: cluster-scoped objects, and the read-only lists whose objects live in any namespace
        // (other filesystems' addresses; pods and claims for I/O attribution).
        assertThat(cluster)
                .containsExactlyInAnyOrder(
                        "operator cluster lustre.lustrecsi.dev lustrefilesystems list",
                        "operator cluster core persistentvolumeclaims list",
                        "operator cluster core pods list",
                        "operator cluster core persistentvolumes list",
                        "operator cluster core persistentvolumes watch",
                        "operator cluster core nodes list",
                        "operator cluster core nodes get",
                        "operator cluster core nodes patch");
        // Everything the operator writes (VMs, disks, Secrets, Events, status), port-forward and its watches: in hpc.
        List<String> watched = all.stream()
                .filter(g -> g.account().equals("operator") && g.scope().equals("hpc"))
                .map(g -> g.group() + " " + g.resource() + " " + g.verb())
                .toList();
        // Exactly what the default install grants cluster-wide for those resources, moved into the namespace.
        List<String> defaultNamespaced = granted(Rendered.parse(Helm.template())).stream()
                .filter(g -> g.account().equals("operator") && g.scope().equals("cluster"))
                .filter(g -> !Set.of("nodes", "persistentvolumes", "pods").contains(g.resource()))
                .map(g -> g.group() + " " + g.resource() + " " + g.verb())
                .toList();
        assertThat(watched)
                .containsExactlyInAnyOrderElementsOf(defaultNamespaced)
                .contains(
                        "kubevirt.io virtualmachines create",
                        "core persistentvolumeclaims delete",
                        "core secrets create",
                        "subresources.kubevirt.io virtualmachineinstances/portforward get",
                        "core events create",
                        "lustre.lustrecsi.dev lustrefilesystems/status update");
        // The other accounts and the operator's release-namespace and kube-node-lease Roles do not change.
        TreeSet<Grant> defaults = granted(Rendered.parse(Helm.template()));
        assertThat(all)
                .filteredOn(g -> !g.account().equals("operator")
                        || !Set.of("cluster", "hpc").contains(g.scope()))
                .containsExactlyElementsOf(defaults.stream()
                        .filter(g ->
                                !g.account().equals("operator") || !g.scope().equals("cluster"))
                        .toList());
    }

    /** Expands every binding → role → rule into single grants, naming accounts without the release prefix. */
    static TreeSet<Grant> granted(Rendered r) {
        TreeSet<Grant> grants = new TreeSet<>();
        for (ClusterRoleBinding b : r.all(ClusterRoleBinding.class)) {
            assertThat(b.getRoleRef().getKind()).isEqualTo("ClusterRole");
            List<PolicyRule> rules =
                    r.one(ClusterRole.class, b.getRoleRef().getName()).getRules();
            for (Subject s : b.getSubjects()) {
                expand(grants, account(s), "cluster", rules);
            }
        }
        for (RoleBinding b : r.all(RoleBinding.class)) {
            RoleRef ref = b.getRoleRef();
            // A RoleBinding to a ClusterRole would grant that ClusterRole in the namespace; we use none.
            assertThat(ref.getKind()).isEqualTo("Role");
            Role role = r.one(Role.class, ref.getName());
            assertThat(role.getMetadata().getNamespace())
                    .isEqualTo(b.getMetadata().getNamespace());
            // "namespace": the release namespace; a Role elsewhere (kube-node-lease) is named by its namespace.
            String scope = Helm.NAMESPACE.equals(role.getMetadata().getNamespace())
                    ? "namespace"
                    : role.getMetadata().getNamespace();
            for (Subject s : b.getSubjects()) {
                expand(grants, account(s), scope, role.getRules());
            }
        }
        return grants;
    }

    private static String account(Subject s) {
        assertThat(s.getKind()).isEqualTo("ServiceAccount");
        assertThat(s.getNamespace()).isEqualTo(Helm.NAMESPACE);
        assertThat(s.getName()).startsWith(Helm.RELEASE + "-");
        return s.getName().substring(Helm.RELEASE.length() + 1);
    }

    private static void expand(Set<Grant> into, String account, String scope, List<PolicyRule> rules) {
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        into.add(new Grant(account, scope, group.isEmpty() ? "core" : group, resource, verb));
                    }
                }
            }
        }
    }

    /** Parses the table between the rbac-table markers of deploy/README-install.md. */
    static TreeSet<Grant> documented() {
        String doc = RepoFiles.read(RepoFiles.INSTALL_DOC);
        int start = doc.indexOf("<!-- rbac-table:start -->");
        int end = doc.indexOf("<!-- rbac-table:end -->");
        assertThat(start).as("rbac-table markers in " + RepoFiles.INSTALL_DOC).isPositive();
        TreeSet<Grant> grants = new TreeSet<>();
        for (String line : doc.substring(start, end).lines().toList()) {
            if (!line.startsWith("|") || line.startsWith("|---") || line.startsWith("| service account")) {
                continue;
            }
            String[] cells = Arrays.stream(
                            line.substring(1, line.lastIndexOf('|')).split("\\|"))
                    .map(String::trim)
                    .toArray(String[]::new);
            assertThat(cells).as(line).hasSize(6);
            for (String verb : cells[4].split(",")) {
                grants.add(new Grant(cells[0], cells[1], cells[2], cells[3], verb.trim()));
            }
        }
        assertThat(grants).isNotEmpty();
        return grants;
    }
}
