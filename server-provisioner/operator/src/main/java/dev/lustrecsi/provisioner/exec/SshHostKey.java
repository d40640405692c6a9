package dev.lustrecsi.provisioner.exec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * A server's own SSH host key, made by the operator so it can pin it before it ever connects: a server VM boots
 * from a fresh containerDisk root every time, and a host key generated in the guest would change with every
 * restart, breaking {@code virtctl ssh --known-hosts} (which, for an unknown host, asks on stdin whether to trust
 * it: kubevirt pkg/virtctl/ssh/knownhosts.go). Ed25519, written in the formats sshd reads: the private key as an
 * unencrypted {@code openssh-key-v1} file (OpenSSH PROTOCOL.key), the public key as an authorized_keys line.
 *
 * @param privateKey the contents of {@code /etc/ssh/ssh_host_ed25519_key}
 * @param publicKey {@code ssh-ed25519 AAAA... comment}
 */
public record SshHostKey(String privateKey, String publicKey) {
    private static final String TYPE = "ssh-ed25519";

    public static SshHostKey generate(String comment) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] x509 = pair.getPublic().getEncoded();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            // X.509 SubjectPublicKeyInfo and PKCS#8 of Ed25519 (RFC 8410) end with the 32-byte key / seed.
            byte[] pub = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
            byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
            byte[] publicBlob = publicBlob(pub);
            return new SshHostKey(
                    privateFile(publicBlob, pub, seed, comment),
                    TYPE + " " + Base64.getEncoder().encodeToString(publicBlob) + " " + comment);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** The known_hosts line {@code virtctl ssh} checks for a VMI: host {@code vmi/<name>.<namespace>} (port 22). */
    public static String knownHostsLine(String namespace, String vmName, String publicKey) {
        String[] parts = publicKey.strip().split("\\s+");
        if (parts.length < 2 || !parts[0].equals(TYPE) || !parts[1].matches("[A-Za-z0-9+/=]+")) {
            throw new IllegalArgumentException("not an ssh-ed25519 public key");
        }
        // pkg/virtctl/ssh/native.go dials "vmi/<name>.<namespace>:<port>"; knownhosts omits port 22.
        return "vmi/" + vmName + "." + namespace + " " + parts[0] + " " + parts[1];
    }

    private static byte[] publicBlob(byte[] pub) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        string(out, TYPE.getBytes(StandardCharsets.US_ASCII));
        string(out, pub);
        return out.toByteArray();
    }

    private static String privateFile(byte[] publicBlob, byte[] pub, byte[] seed, String comment) {
        ByteArrayOutputStream keys = new ByteArrayOutputStream();
        int check = new SecureRandom().nextInt();
        uint32(keys, check);
        uint32(keys, check);
        string(keys, TYPE.getBytes(StandardCharsets.US_ASCII));
        string(keys, pub);
        byte[] secret = new byte[64];
        System.arraycopy(seed, 0, secret, 0, 32);
        System.arraycopy(pub, 0, secret, 32, 32);
        string(keys, secret);
        string(keys, comment.getBytes(StandardCharsets.UTF_8));
        for (int pad = 1; keys.size() % 8 != 0; pad++) {
            keys.write(pad);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
        string(file, "none".getBytes(StandardCharsets.US_ASCII));
        string(file, "none".getBytes(StandardCharsets.US_ASCII));
        string(file, new byte[0]);
        uint32(file, 1);
        string(file, publicBlob);
        string(file, keys.toByteArray());
        String b64 = Base64.getEncoder().encodeToString(file.toByteArray());
        StringBuilder pem = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (int i = 0; i < b64.length(); i += 70) {
            pem.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
        }
        return pem.append("-----END OPENSSH PRIVATE KEY-----\n").toString();
    }

    private static void uint32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void string(ByteArrayOutputStream out, byte[] b) {
        uint32(out, b.length);
        out.writeBytes(b);
    }

    @Override
    public String toString() {
        return "SshHostKey[" + publicKey + "]"; // never the private key
    }
}
