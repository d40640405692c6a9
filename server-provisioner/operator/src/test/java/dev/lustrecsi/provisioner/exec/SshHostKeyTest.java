package dev.lustrecsi.provisioner.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshHostKeyTest {
    @TempDir
    Path tmp;

    @Test
    void opensshReadsThePrivateKeyAndDerivesTheSamePublicKey() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh-keygen")), "needs OpenSSH's ssh-keygen");
        SshHostKey key = SshHostKey.generate("demo-oss0");
        Path file = tmp.resolve("ssh_host_ed25519_key");
        Files.writeString(file, key.privateKey());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Process p = new ProcessBuilder("/usr/bin/ssh-keygen", "-y", "-f", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // ssh-keygen -y prints "type base64 [comment]".
        assertThat(key.publicKey()).startsWith(out.split(" ")[0] + " " + out.split(" ")[1]);
        assertThat(SshHostKey.generate("x").publicKey())
                .as("a fresh key each time")
                .isNotEqualTo(key.publicKey());
        assertThat(key.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void knownHostsNamesTheVmiTheWayVirtctlDials() {
        SshHostKey key = SshHostKey.generate("c");
        String b64 = key.publicKey().split(" ")[1];
        assertThat(SshHostKey.knownHostsLine("hpc", "demo-oss0", key.publicKey()))
                .isEqualTo("vmi/demo-oss0.hpc ssh-ed25519 " + b64);
        assertThatThrownBy(() -> SshHostKey.knownHostsLine("hpc", "x", "ssh-rsa AAAA\nevil"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
