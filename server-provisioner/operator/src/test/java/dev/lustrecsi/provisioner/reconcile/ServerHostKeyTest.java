package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.exec.KnownHosts;
import dev.lustrecsi.provisioner.manifest.ManifestYaml;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import io.fabric8.kubernetes.api.model.Secret;
import io.kubevirt.v1.VirtualMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every server presents a host key the operator made and pinned before its first connection, and the same key
 * after its VM is lost and re-created or the operator restarts: {@code virtctl ssh --known-hosts} never meets an
 * unknown or changed key (it would ask on stdin or refuse).
 */
class ServerHostKeyTest {
    private static final String OPERATOR_KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleOperatorKey server-provisioner";
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @TempDir
    Path tmp;

    @AfterEach
    void close() {
        h.close();
    }

    private Map<String, String> keys() {
        Map<String, String> out = new TreeMap<>();
        h.get("demo").getStatus().getServers().forEach(s -> out.put(s.getName(), s.getSshHostKey()));
        return out;
    }

    private String privateKeyIn(String server) {
        Secret s = h.client()
                .secrets()
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName(server + "-ssh-host-key")
                .get();
        if (s.getStringData() != null && s.getStringData().containsKey("ssh_host_ed25519_key")) {
            return s.getStringData().get("ssh_host_ed25519_key");
        }
        return new String(Base64.getDecoder().decode(s.getData().get("ssh_host_ed25519_key")), StandardCharsets.UTF_8);
    }

    @Test
    void eachServerHasItsOwnPinnedHostKeyThatSurvivesReCreationAndOperatorRestarts() throws Exception {
        Path knownHosts = tmp.resolve("known_hosts");
        h.useSsh(OPERATOR_KEY, new KnownHosts(knownHosts));
        h.create(Fixtures.tcp("demo", 2));
        h.runUntilReady("demo", 80);

        Map<String, String> keys = keys();
        assertThat(keys).containsOnlyKeys("demo-mds0", "demo-oss0", "demo-oss1");
        assertThat(keys.values()).allMatch(k -> k.startsWith("ssh-ed25519 ")).doesNotHaveDuplicates();
        List<String> pinned = Files.readAllLines(knownHosts);
        keys.forEach((vm, key) -> assertThat(pinned).contains("vmi/" + vm + ".hpc ssh-ed25519 " + key.split(" ")[1]));

        VirtualMachine oss0 = h.vms().stream()
                .filter(v -> v.getMetadata().getName().equals("demo-oss0"))
                .findFirst()
                .orElseThrow();
        assertThat(oss0.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getSecret()).isNotNull();
            assertThat(v.getSecret().getSecretName()).isEqualTo("demo-oss0-ssh-host-key");
        });
        assertThat(ManifestYaml.write(oss0))
                .as("the private key is not in the VM spec")
                .doesNotContain("PRIVATE KEY");
        String privateOss0 = privateKeyIn("demo-oss0");
        assertThat(privateOss0).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        Secret secret = h.client()
                .secrets()
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-oss0-ssh-host-key")
                .get();
        assertThat(secret.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o -> assertThat(o.getKind()).isEqualTo("LustreFileSystem"));

        // The VM is lost and re-created; the operator restarts with an empty known_hosts.
        h.client()
                .resources(VirtualMachine.class)
                .inNamespace(OperatorHarness.NAMESPACE)
                .withName("demo-oss0")
                .delete();
        Files.delete(knownHosts);
        h.useSsh(OPERATOR_KEY, new KnownHosts(knownHosts));
        h.run("demo", 3);
        h.runUntilReady("demo", 80);
        assertThat(keys()).isEqualTo(keys);
        assertThat(privateKeyIn("demo-oss0")).isEqualTo(privateOss0);
        assertThat(Files.readAllLines(knownHosts)).containsExactlyInAnyOrderElementsOf(pinned);
        assertThat(h.get("demo").getStatus().getServers())
                .extracting(ServerStatus::getName)
                .containsExactlyInAnyOrder("demo-mds0", "demo-oss0", "demo-oss1");
    }
}
