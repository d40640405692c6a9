package dev.lustrecsi.provisioner.exec;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.lustre.CommandRunner;
import dev.lustrecsi.lustre.ShellQuote;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Runs commands in a server VM with {@code virtctl ssh}, which tunnels SSH through the KubeVirt API server
 * to the VMI (no route from the operator pod to the VM's network is needed). The VMs trust the operator's
 * public key through their cloud-init ({@code ssh_authorized_keys}); the private key is mounted into the
 * operator pod from a Secret. The remote side runs a shell, so the argument list is sent single-quoted
 * word by word ({@link ShellQuote}); nothing is interpolated.
 *
 * <p>What this does not do: it cannot reach a VM whose sshd is down (the command then fails and the operator
 * retries on its next pass), and it relies on virtctl being on the operator image.
 */
public final class VirtctlSshExecutor implements ServerCommandExecutor {

    private final CommandRunner runner;
    private final String virtctl;
    private final Path identityFile;
    private final Path knownHostsFile;

    public VirtctlSshExecutor(CommandRunner runner, String virtctl, Path identityFile, Path knownHostsFile) {
        this.runner = Objects.requireNonNull(runner);
        this.virtctl = Objects.requireNonNull(virtctl);
        this.identityFile = Objects.requireNonNull(identityFile);
        this.knownHostsFile = Objects.requireNonNull(knownHostsFile);
    }

    public List<String> commandLine(String namespace, String vmName, List<String> argv) {
        return List.of(
                virtctl,
                "ssh",
                "--namespace",
                namespace,
                "--username",
                "root",
                "--identity-file",
                identityFile.toString(),
                "--known-hosts",
                knownHostsFile.toString(),
                "--command",
                ShellQuote.command(argv),
                "vmi/" + vmName);
    }

    @Override
    public CommandResult exec(String namespace, String vmName, List<String> argv, Duration timeout) {
        return runner.run(commandLine(namespace, vmName, argv), timeout);
    }
}
