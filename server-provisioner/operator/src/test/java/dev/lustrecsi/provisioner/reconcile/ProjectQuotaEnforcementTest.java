package dev.lustrecsi.provisioner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lustrecsi.model.Conditions;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.provisioner.Fixtures;
import dev.lustrecsi.provisioner.sim.OperatorHarness;
import dev.lustrecsi.provisioner.sim.SimulatedLustre.Write;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A PVC's project quota must bind whoever writes in the pod, root included: the operator turns enforcement on
 * for the filesystem at bootstrap, and the servers bind root to project quota. The simulated Lustre enforces
 * the way the real one did (transcripts 100-110), so this tests the enforcement, not the command lines.
 */
class ProjectQuotaEnforcementTest {
    private static final long MIB = 1 << 20;
    private final OperatorHarness h = new OperatorHarness("lfs1");

    @AfterEach
    void close() {
        h.close();
    }

    private LustreFileSystem bootstrap() {
        h.create(Fixtures.tcp("demo", 2));
        return h.runUntilReady("demo", 80);
    }

    @Test
    void aVolumeOverItsProjectLimitIsRefusedMoreDataForNonRootAndRootWriters() {
        LustreFileSystem fs = bootstrap();
        assertThat(fs.getStatus()
                        .condition(Conditions.PROJECT_QUOTA_ENFORCED)
                        .orElseThrow()
                        .getStatus())
                .isEqualTo("True");
        assertThat(h.lustre().log())
                .contains("demo-mds0: lctl conf_param lfs1.quota.ost=p", "demo-mds0: lctl conf_param lfs1.quota.mdt=p");

        h.lustre().setProjectLimit(1000, 100 * MIB);
        Write nonRoot = h.lustre().writeToProject(4242, 1000, 200 * MIB);
        assertThat(nonRoot.quotaExceeded()).isTrue();
        assertThat(nonRoot.written()).isEqualTo(100 * MIB);

        Write root = h.lustre().writeToProject(0, 1000, 20 * MIB);
        assertThat(root.quotaExceeded())
                .as("root is bound by project quota too")
                .isTrue();
        assertThat(root.written()).isZero();
        assertThat(h.lustre().projectUsage(1000)).isEqualTo(100 * MIB);
    }

    @Test
    void aPodWithAUidTheServersDoNotKnowCanCreateFiles() {
        bootstrap();
        // uid 4242 has no passwd entry on the MDS (transcript 096 with the default l_getidentity upcall).
        assertThat(h.lustre().createFileAs(4242)).isNull();
        assertThat(h.lustre().createFileAs(1000680000)).isNull();
    }

    @Test
    void theFilesystemIsNotReadyForVolumesUntilTheMgsRecordedEnforcement() {
        h.create(Fixtures.tcp("demo", 2));
        h.run("demo", 40);
        assertThat(h.get("demo").getStatus().bootstrappedOnce()).isTrue();
        // Every pass that bootstrapped found enforcement recorded first.
        int conf = h.lustre().log().indexOf("demo-mds0: lctl conf_param lfs1.quota.ost=p");
        assertThat(conf).isNotNegative();
        assertThat(h.eventReasons()).containsSubsequence("ProjectQuotaEnforced", "Bootstrapped");
    }
}
