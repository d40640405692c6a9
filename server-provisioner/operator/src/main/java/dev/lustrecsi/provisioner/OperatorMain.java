package dev.lustrecsi.provisioner;

import dev.lustrecsi.lustre.ProcessCommandRunner;
import dev.lustrecsi.provisioner.exec.VirtctlSshExecutor;
import dev.lustrecsi.provisioner.reconcile.EventRecorder;
import dev.lustrecsi.provisioner.reconcile.LustreFileSystemReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the server-provisioner: connects with the default kubeconfig (in-cluster service account in a pod),
 * watches LustreFileSystems and keeps their KubeVirt servers in shape until stopped.
 */
@Command(name = "server-provisioner", mixinStandardHelpOptions = true,
        description = "Runs Lustre MGS/MDS/OSS servers as KubeVirt VMs for LustreFileSystem resources.")
public final class OperatorMain implements Callable<Integer> {

    @Option(names = "--namespace", description = "Watch only this namespace (default: all namespaces).")
    String namespace;

    @Option(names = "--resync", defaultValue = "PT30S", description = "Re-examine every filesystem this often (ISO-8601 duration).")
    Duration resync;

    @Option(names = "--virtctl", defaultValue = "virtctl", description = "virtctl binary used to run lctl/lfs in server VMs.")
    String virtctl;

    @Option(names = "--ssh-identity", defaultValue = "/etc/server-provisioner/ssh/id_ed25519",
            description = "Private key for logging into server VMs.")
    Path sshIdentity;

    @Option(names = "--ssh-known-hosts", defaultValue = "/var/run/server-provisioner/known_hosts")
    Path knownHosts;

    @Option(names = "--ssh-public-key", description = "Public key file put into the servers' cloud-init "
            + "(default: <ssh-identity>.pub if it exists).")
    Path sshPublicKey;

    @Override
    public Integer call() throws Exception {
        Path pub = sshPublicKey != null ? sshPublicKey : Path.of(sshIdentity + ".pub");
        String authorizedKey = Files.isReadable(pub) ? Files.readString(pub).strip() : null;
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            var executor = new VirtctlSshExecutor(new ProcessCommandRunner(), virtctl, sshIdentity, knownHosts);
            var reconciler = new LustreFileSystemReconciler(client, executor, new EventRecorder(client), authorizedKey);
            CountDownLatch stop = new CountDownLatch(1);
            try (LustreOperator operator = new LustreOperator(client, reconciler, namespace, resync)) {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                operator.start();
                stop.await();
            }
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new OperatorMain()).execute(args));
    }
}
