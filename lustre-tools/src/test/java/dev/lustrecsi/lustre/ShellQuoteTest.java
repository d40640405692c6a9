package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellQuoteTest {

    @Test
    void plainWordsStayReadable() {
        assertThat(ShellQuote.command(List.of("mkfs.lustre", "--fsname=lfs1", "--mgsnode=10.0.0.5@tcp", "/dev/vdc")))
                .isEqualTo("mkfs.lustre --fsname=lfs1 --mgsnode=10.0.0.5@tcp /dev/vdc");
    }

    @Test
    void aRealShellGetsBackTheExactArguments() throws Exception {
        List<String> nasty =
                List.of("a b", "it's", "$(touch /tmp/pwned)", "`x`", "\"q\"", "*", "", "semi;colon\nnewline");
        String script = "printf '%s\\0' " + ShellQuote.command(nasty);
        Process p = new ProcessBuilder("sh", "-c", script).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out.split("\0", -1))
                .containsExactly(
                        "a b", "it's", "$(touch /tmp/pwned)", "`x`", "\"q\"", "*", "", "semi;colon\nnewline", "");
    }
}
