package dev.lustrecsi.lustre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lustrecsi.lustre.testing.RecordedOutput;
import org.junit.jupiter.api.Test;

/** Import-state and job-id command lines, and reading lctl's import YAML. */
class ClientHealthCommandsTest {
    private final ToolPaths tools = ToolPaths.standard();

    @Test
    void importsOfOneFilesystemAreAskedForWithLctlsOwnPatterns() {
        assertThat(new ClientImportCommands(tools).imports(new FsName("scratch")))
                .containsExactly("lctl", "get_param", "-n", "mdc.scratch-*.import", "osc.scratch-*.import");
    }

    @Test
    void jobIdSettingsAreOneArgumentEachAndRefuseInjection() {
        JobIdCommands j = new JobIdCommands(tools);
        assertThat(j.setJobIdVar("LUSTRE_JOBID")).containsExactly("lctl", "set_param", "jobid_var=LUSTRE_JOBID");
        assertThat(j.setJobIdVar("session")).containsExactly("lctl", "set_param", "jobid_var=session");
        assertThat(j.setJobIdName("%e.%u")).containsExactly("lctl", "set_param", "jobid_name=%e.%u");
        assertThat(j.show()).containsExactly("lctl", "get_param", "-n", "jobid_var", "jobid_name");
        assertThatThrownBy(() -> j.setJobIdVar("A B")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> j.setJobIdVar("X jobid_name=y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> j.setJobIdName("%e %u")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> j.setJobIdName("x".repeat(32))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesImportBlocksAndTellsWhichTargetsAreNotWorking() {
        String out = """
                import:
                    name: scratch-MDT0000-mdc-ffff8b2d6e5d9000
                    target: scratch-MDT0000_UUID
                    state: FULL
                    connect_flags: [ write_grant, server_lock ]
                    import_flags: [ replayable, pingable, connect_tried ]
                    connection:
                       failover_nids: [ 10.0.0.1@tcp, 10.0.0.2@tcp ]
                       current_connection: 10.0.0.1@tcp
                       connection_attempts: 1
                    rpcs:
                       inflight: 0
                import:
                    name: scratch-OST0000-osc-ffff8b2d6e5d9000
                    target: scratch-OST0000_UUID
                    state: IDLE
                    connection:
                       current_connection: 10.0.0.3@tcp
                import:
                    name: scratch-OST0001-osc-ffff8b2d6e5d9000
                    target: scratch-OST0001_UUID
                    state: DISCONN
                    connection:
                       failover_nids: [ 10.0.0.4@tcp ]
                       current_connection: 10.0.0.4@tcp
                """;
        LustreImports imports = LustreImports.parse(out);

        assertThat(imports.imports())
                .extracting(LustreImports.Import::state)
                .containsExactly("FULL", "IDLE", "DISCONN");
        assertThat(imports.notWorking()).singleElement().satisfies(i -> {
            assertThat(i.targetName()).isEqualTo("scratch-OST0001");
            assertThat(i.currentConnection()).isEqualTo("10.0.0.4@tcp");
        });
        assertThat(LustreImports.parse("").imports()).isEmpty();
    }

    @Test
    void aDeactivatedOstIsNeitherWorkingNorAFaultOnAClientConnectedBeforeTheDeactivation() {
        // Real 2.17.0 after `lctl conf_param lustre-OST0001.osc.active=0`: state FULL, flags invalid, deactive.
        LustreImports imports = LustreImports.parse(RecordedOutput.of("194").stdout());

        assertThat(imports.imports()).hasSize(4);
        assertThat(imports.deactivated())
                .extracting(LustreImports.Import::device)
                .containsExactly("lustre-OST0001-osc-MDT0000", "lustre-OST0001-osc-ff2f57309251d000");
        assertThat(imports.deactivated()).allSatisfy(i -> {
            assertThat(i.state()).isEqualTo("FULL");
            assertThat(i.working()).as("an invalid import serves no request").isFalse();
        });
        assertThat(imports.notWorking()).isEmpty();
        assertThat(imports.imports().get(0).currentConnection())
                .as("2.17 quotes NIDs")
                .isEqualTo("0@lo");
    }

    @Test
    void aDeactivatedOstThatThisClientNeverConnectedIsNotAFaultButANewImportOtherwiseIs() {
        String neverConnected = """
                import:
                    name: lustre-OST0001-osc-ff2f57309251d000
                    target: lustre-OST0001_UUID
                    state: NEW
                    import_flags: [ invalid, deactive, pingable ]
                import:
                    name: lustre-OST0002-osc-ff2f57309251d000
                    target: lustre-OST0002_UUID
                    state: NEW
                    import_flags: [ replayable, pingable ]
                import:
                    name: lustre-OST0003-osc-ff2f57309251d000
                    target: lustre-OST0003_UUID
                    state: FULL
                    import_flags: [ invalid, replayable, pingable, connect_tried ]
                """;
        assertThat(LustreImports.parse(neverConnected).notWorking())
                .extracting(LustreImports.Import::targetName)
                .containsExactly("lustre-OST0002", "lustre-OST0003");
    }
}
