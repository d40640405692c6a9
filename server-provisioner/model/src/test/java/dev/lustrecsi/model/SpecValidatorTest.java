package dev.lustrecsi.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

    static LustreFileSystem example() {
        try (InputStream in = SpecValidatorTest.class.getResourceAsStream("/example-lustrefs.yaml")) {
            return Serialization.unmarshal(in, LustreFileSystem.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static LustreFileSystemSpec tcpSpec() {
        LustreFileSystemSpec spec = new LustreFileSystemSpec();
        spec.setFsName("lfs1");
        spec.setImage("registry.example.org/lustre/server:2.15.5");
        spec.setLustreVersion("2.15.5");
        spec.setOstCount(4);
        spec.setOstSize(new Quantity("100Gi"));
        return spec;
    }

    private static List<String> errorsAfter(Consumer<LustreFileSystemSpec> change) {
        LustreFileSystemSpec spec = tcpSpec();
        change.accept(spec);
        return SpecValidator.validate("lfs1", spec);
    }

    @Test
    void theDocumentedExampleAndAMinimalTcpSpecAreValid() {
        LustreFileSystem example = example();
        assertThat(SpecValidator.validate(example.getMetadata().getName(), example.getSpec()))
                .isEmpty();
        assertThat(SpecValidator.validate("lfs1", tcpSpec())).isEmpty();
    }

    @Test
    void fsNameFollowsLustresEightCharacterRule() {
        assertThat(errorsAfter(s -> s.setFsName("ninechars")))
                .singleElement()
                .asString()
                .contains("spec.fsName");
        assertThat(errorsAfter(s -> s.setFsName("bad.name")))
                .singleElement()
                .asString()
                .contains("spec.fsName");
        assertThat(errorsAfter(s -> s.setFsName("-dash")))
                .singleElement()
                .asString()
                .contains("spec.fsName");
        assertThat(errorsAfter(s -> s.setFsName(null)))
                .singleElement()
                .asString()
                .contains("spec.fsName");
        assertThat(errorsAfter(s -> s.setFsName("eight_8-"))).isEmpty();
    }

    @Test
    void ostCountMustFillWholeOssVms() {
        assertThat(errorsAfter(s -> s.setOstsPerOss(4))).isEmpty();
        assertThat(errorsAfter(s -> s.setOstsPerOss(3)))
                .singleElement()
                .asString()
                .contains("multiple of spec.ostsPerOss 3");
        assertThat(errorsAfter(s -> s.setOstCount(0)))
                .singleElement()
                .asString()
                .contains("spec.ostCount");
    }

    @Test
    void sizesMustBePositiveQuantities() {
        assertThat(errorsAfter(s -> s.setOstSize(new Quantity("lots"))))
                .singleElement()
                .asString()
                .contains("spec.ostSize");
        assertThat(errorsAfter(s -> s.setOstSize(null)))
                .singleElement()
                .asString()
                .contains("spec.ostSize");
        assertThat(errorsAfter(s -> s.setMdtSize(new Quantity("0"))))
                .singleElement()
                .asString()
                .contains("spec.mdtSize");
        assertThat(errorsAfter(s -> s.getVm().setMemory(new Quantity("64Mi"))))
                .singleElement()
                .asString()
                .contains("spec.vm.memory");
    }

    @Test
    void o2ibNeedsAnAttachmentAndEnoughStaticAddresses() {
        assertThat(errorsAfter(s -> s.getNetwork().setType(NetworkType.O2IB)))
                .singleElement()
                .asString()
                .contains("needs spec.network.attachment");
        List<String> errors = errorsAfter(s -> {
            s.getNetwork().setType(NetworkType.O2IB);
            s.getNetwork().setAttachment("ib0");
            s.getNetwork()
                    .setAddresses(
                            new ArrayList<>(List.of("10.1.0.1/24", "10.1.0.2/24", "10.1.0.2/24", "10.1.0.300/24")));
        });
        assertThat(errors)
                .anyMatch(e -> e.contains("10.1.0.2/24 twice"))
                .anyMatch(e -> e.contains("'10.1.0.300/24'"))
                .anyMatch(e -> e.contains("has 4 addresses but up to 5 servers"));
    }

    @Test
    void addressPoolMustCoverTheLargestAllowedOstCount() {
        LustreFileSystemSpec spec = example().getSpec();
        spec.getScalePolicy().setMaxOsts(16);
        assertThat(SpecValidator.validate("scratch", spec))
                .singleElement()
                .asString()
                .contains("has 9 addresses but up to 17 servers");
    }

    @Test
    void scalePolicyMustContainTheOstCount() {
        assertThat(errorsAfter(s -> s.setScalePolicy(new ScalePolicy(6, 8, 20))))
                .singleElement()
                .asString()
                .contains("outside spec.scalePolicy [6, 8]");
        assertThat(errorsAfter(s -> s.setScalePolicy(new ScalePolicy(8, 2, 20))))
                .isNotEmpty();
        assertThat(errorsAfter(s -> s.setScalePolicy(new ScalePolicy(1, 8, 95))))
                .singleElement()
                .asString()
                .contains("headroomPercent");
    }

    @Test
    void resourceNameMustLeaveRoomForVmNames() {
        assertThat(SpecValidator.validate("a".repeat(41), tcpSpec()))
                .singleElement()
                .asString()
                .contains("metadata.name");
        assertThat(SpecValidator.validate("Upper", tcpSpec()))
                .singleElement()
                .asString()
                .contains("metadata.name");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        LustreFileSystemSpec spec = new LustreFileSystemSpec();
        assertThat(SpecValidator.validate("x", spec)).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void formattedLayoutCannotChange() {
        LustreFileSystemStatus status = new LustreFileSystemStatus();
        status.getTargets().add(new TargetStatus("lfs1-MDT0000", TargetKind.MDT, 0, "x-mds0", "x-mdt0", 1));
        status.getTargets().add(new TargetStatus("lfs1-OST0000", TargetKind.OST, 0, "x-oss0", "x-ost0", 1));
        assertThat(SpecValidator.validateUpdate(tcpSpec(), status)).isEmpty();

        LustreFileSystemSpec renamed = tcpSpec();
        renamed.setFsName("lfs2");
        assertThat(SpecValidator.validateUpdate(renamed, status))
                .singleElement()
                .asString()
                .contains("spec.fsName");

        LustreFileSystemSpec moreMdts = tcpSpec();
        moreMdts.setMdtCount(2);
        assertThat(SpecValidator.validateUpdate(moreMdts, status))
                .singleElement()
                .asString()
                .contains("spec.mdtCount");

        LustreFileSystemSpec separateMgs = tcpSpec();
        separateMgs.getMgs().setColocated(false);
        assertThat(SpecValidator.validateUpdate(separateMgs, status))
                .singleElement()
                .asString()
                .contains("spec.mgs.colocated");
    }

    @Test
    void metadataFailoverPairsNeedStaticAddressesForBothVmsOfEveryPairAndAreFixedOnceCreated() {
        assertThat(errorsAfter(s -> s.setMetadataFailover(true)))
                .singleElement()
                .asString()
                .contains("spec.metadataFailover needs spec.network.attachment");
        List<String> errors = errorsAfter(s -> {
            s.setMetadataFailover(true);
            s.getNetwork().setAttachment("lnet");
            // MDS0 (with the MGS) + 4 OSSs = 5 servers, and the MDS's partner VM.
            s.getNetwork()
                    .setAddresses(new ArrayList<>(
                            List.of("10.1.0.1/24", "10.1.0.2/24", "10.1.0.3/24", "10.1.0.4/24", "10.1.0.5/24")));
        });
        assertThat(errors)
                .singleElement()
                .asString()
                .contains("has 5 addresses but up to 6 servers")
                .contains("partner of each metadata server");

        LustreFileSystemStatus single = new LustreFileSystemStatus();
        single.getTargets().add(new TargetStatus("lfs1-MDT0000", TargetKind.MDT, 0, "x-mds0", "x-mdt0", 1));
        single.getServers().add(new ServerStatus("x-mds0", ServerRole.MDS));
        LustreFileSystemSpec paired = tcpSpec();
        paired.setMetadataFailover(true);
        assertThat(SpecValidator.validateUpdate(paired, single))
                .singleElement()
                .asString()
                .contains("spec.metadataFailover cannot change");
        ServerStatus partner = new ServerStatus("x-mds0-b", ServerRole.MDS);
        partner.setPartner("x-mds0");
        single.getServers().add(partner);
        assertThat(SpecValidator.validateUpdate(paired, single)).isEmpty();
        assertThat(SpecValidator.validateUpdate(tcpSpec(), single))
                .singleElement()
                .asString()
                .contains("spec.metadataFailover cannot change");
    }

    @Test
    void sizesReadAsBytesForTheCapacityPlanner() {
        LustreFileSystemSpec spec = example().getSpec();
        assertThat(spec.getOstSizeBytes()).isEqualTo(100L << 30);
        assertThat(spec.getNetwork().getType()).isEqualTo(NetworkType.O2IB);
        assertThat(spec.getScalePolicy().getHeadroomPercent()).isEqualTo(20);
    }
}
