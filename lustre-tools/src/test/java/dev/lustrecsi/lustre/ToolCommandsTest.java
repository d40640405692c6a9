package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCommandsTest {
    private final ToolPaths tools = ToolPaths.standard();

    @Test
    void mountLustreIsOneArgumentPerWord() {
        assertThat(new MountCommands(tools)
                        .mountLustre("10.0.0.1@tcp:/fs1/v", Path.of("/stage"), List.of("flock", "ro")))
                .containsExactly("mount", "-t", "lustre", "-o", "flock,ro", "10.0.0.1@tcp:/fs1/v", "/stage");
        assertThat(new MountCommands(tools).mountLustre("10.0.0.1@tcp:/fs1", Path.of("/stage"), List.of()))
                .containsExactly("mount", "-t", "lustre", "10.0.0.1@tcp:/fs1", "/stage");
    }

    @Test
    void mountRefusesOptionsThatWouldSmuggleOthersIn() {
        MountCommands m = new MountCommands(tools);
        assertThatThrownBy(() -> m.mountLustre("10.0.0.1@tcp:/fs1", Path.of("/s"), List.of("flock,suid")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.mountLustre("-oremount", Path.of("/s"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lnetctlCommandLines() {
        LnetctlCommands l = new LnetctlCommands(tools);
        assertThat(l.configure()).containsExactly("lnetctl", "lnet", "configure");
        assertThat(l.addNet("o2ib", "ib0")).containsExactly("lnetctl", "net", "add", "--net", "o2ib", "--if", "ib0");
        assertThat(l.showNets()).containsExactly("lnetctl", "net", "show");
        assertThat(l.ping(Nid.parse("10.0.0.1@tcp"))).containsExactly("lnetctl", "ping", "10.0.0.1@tcp");
        assertThatThrownBy(() -> l.addNet("udp", "eth0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.addNet("tcp", "eth0;reboot")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.addNet("tcp", "--all")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lctlAndModprobeCommandLines() {
        assertThat(new LctlCommands(tools).listNids()).containsExactly("lctl", "list_nids");
        assertThat(new LctlCommands(tools).clientVersion()).containsExactly("lctl", "get_param", "-n", "version");
        assertThat(new ModprobeCommands(tools).load("lustre")).containsExactly("modprobe", "lustre");
        assertThatThrownBy(() -> new ModprobeCommands(tools).load("-r")).isInstanceOf(IllegalArgumentException.class);
    }
}
