package dev.lustrecsi.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.TargetKind;
import dev.lustrecsi.model.TargetState;
import dev.lustrecsi.model.TargetStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The server side fails while it is changing: the operator dies in the middle of a scale-in drain, and a server VM
 * crashes during a rolling upgrade. The work finishes after recovery and no file loses an object.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServerFaultsTest extends ClusterTest {
    private static final String NEW_IMAGE = "registry.example.org/lustre/server:2.16.1";

    @Override
    LocalCluster startCluster() {
        return Story.startClusterOnRealControlPlaneIfAvailable("servers");
    }

    @AfterEach
    void operatorRunsAgain() {
        cluster.startOperator();
    }

    private static Optional<TargetStatus> target(LustreFileSystem fs, String name) {
        return fs.getStatus().getTargets().stream()
                .filter(t -> t.getName().equals(name))
                .findFirst();
    }

    @Test
    @Order(1)
    void operatorKilledDuringScaleInFinishesTheDrainAfterRestartWithoutLosingAFile() {
        Story s = new Story(cluster, "shrink");
        String[] claims = {"c0", "c1", "c2", "c3", "c4"};
        s.claim("100Gi", claims);
        s.awaitBound(claims);
        LustreFileSystem grown = s.awaitPoolSettled();
        cluster.lustre().writeFiles("results", 60, 2);

        // A file held open on the highest OST keeps its drain from finishing: the operator is surely mid-drain
        // when it is killed.
        TargetStatus highest = grown.getStatus().getTargets().stream()
                .filter(t -> t.getKind() == TargetKind.OST)
                .max(Comparator.comparing(TargetStatus::getIndex))
                .orElseThrow();
        // The operator drains one OST at a time, lowest index first: a pinned file with another object on a lower
        // OST that also drains would hold that drain up instead, and the highest would never start. So pin the
        // file on the highest OST whose other objects sit on the lowest OSTs (those the pool keeps).
        String pinned = cluster.lustre().filesOn(highest.getIndex()).stream()
                .min(Comparator.comparingInt(f -> highestOtherOst(f, highest.getIndex())))
                .orElseThrow();
        cluster.lustre().markBusy(pinned, true);
        s.deleteClaims("c1", "c2", "c3", "c4");
        s.awaitReleased("c1", "c2", "c3", "c4");
        int wanted = cluster.pool().getSpec().getOstCount();
        assertThat(wanted).isLessThan(grown.getSpec().getOstCount());
        await().atMost(Story.PATIENCE)
                .until(() -> target(cluster.pool(), highest.getName())
                        .map(t -> t.getState() == TargetState.Draining)
                        .orElse(false));

        cluster.killOperator();
        cluster.lustre().markBusy(pinned, false);
        assertThat(target(cluster.pool(), highest.getName()))
                .as("a draining OST is never removed")
                .isPresent();
        cluster.startOperator();

        LustreFileSystem shrunk = s.awaitPoolSettled();
        // The pool shrinks in steps, each after the previous drain (decision 0009): once the interrupted drain is
        // done, the next re-plan may already have taken it a step further down than it asked for at first.
        assertThat(shrunk.getStatus().getActiveOsts()).isLessThanOrEqualTo(wanted);
        assertThat(shrunk.getStatus().getRetiredOstIndexes()).contains(highest.getIndex());
        assertThat(target(shrunk, highest.getName())).isEmpty();
        assertThat(cluster.lustre().lostFiles()).isEmpty();
        assertThat(cluster.lustre().filesOn(highest.getIndex())).isEmpty();
        s.deleteClaims("c0");
        s.awaitReleased("c0");
    }

    @Test
    @Order(2)
    void aVmKilledDuringARollingUpgradeIsBroughtBackAndTheUpgradeCompletes() throws Exception {
        Story s = new Story(cluster, "upgrade");
        PersistentVolume pv = s.claimAndBind("100Gi", "home");
        s.claim("100Gi", "more");
        s.awaitBound("more");
        s.awaitPoolSettled();
        Path pod = s.kubelet.startPod(pv, "notebook");
        Files.writeString(pod.resolve("notes.md"), "before the upgrade\n");
        cluster.lustre().writeFiles("upgrade", 30, 2);

        cluster.client()
                .resources(LustreFileSystem.class)
                .inNamespace(LocalCluster.NAMESPACE)
                .withName(LocalCluster.POOL)
                .edit(fs -> {
                    fs.getSpec().setImage(NEW_IMAGE);
                    fs.getSpec().setLustreVersion("2.16.1");
                    return fs;
                });
        await().atMost(Story.PATIENCE).until(() -> !upgradingServers().isEmpty());
        String rolling = upgradingServers().get(0);
        List<String> others =
                cluster.ossVms().stream().filter(n -> !n.equals(rolling)).toList();
        String victim = others.isEmpty() ? LocalCluster.POOL + "-mds0" : others.get(others.size() - 1);
        int boots = cluster.kubevirt().boots(victim);
        cluster.kubevirt().failVmi(victim);
        await().atMost(Story.PATIENCE).until(() -> cluster.kubevirt().boots(victim) > boots);

        await().atMost(Story.PATIENCE).until(() -> {
            LustreFileSystem fs = cluster.pool();
            return Story.settled(fs) && "2.16.1".equals(fs.getStatus().getLustreVersion());
        });
        assertThat(cluster.lustre().lostFiles()).isEmpty();
        assertThat(Files.readString(pod.resolve("notes.md"))).isEqualTo("before the upgrade\n");
        s.kubelet.stopPod(pv, "notebook");
        s.kubelet.unstage(pv);
        assertThat(Story.mountsBelow(cluster.kubeletDir())).isEmpty();
    }

    /** The highest index of another OST that holds an object of {@code file} (-1: none). */
    private int highestOtherOst(String file, int ost) {
        int highest = -1;
        for (int i = 0; i < ost; i++) {
            if (cluster.lustre().filesOn(i).contains(file)) {
                highest = i;
            }
        }
        return highest;
    }

    private List<String> upgradingServers() {
        return cluster.client().v1().events().inNamespace(LocalCluster.NAMESPACE).list().getItems().stream()
                .filter(e -> "UpgradingServer".equals(e.getReason()))
                .map(Event::getMessage)
                .map(m -> m.substring(0, m.indexOf(' ')))
                .toList();
    }
}
