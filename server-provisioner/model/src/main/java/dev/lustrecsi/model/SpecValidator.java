package dev.lustrecsi.model;

import dev.lustrecsi.lustre.FsName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a {@link LustreFileSystemSpec} must satisfy, beyond what the CRD's OpenAPI schema can say
 * (cross-field rules, and fields that cannot change once targets exist). The operator refuses an invalid
 * spec with a {@code SpecValid=False} condition listing every problem and creates nothing.
 */
public final class SpecValidator {

    /** VM names are {@code <resource>-oss<N>}; launcher pod names add a prefix and suffix within 63 characters. */
    public static final int MAX_RESOURCE_NAME_LENGTH = 40;

    public static final int MAX_OSTS_PER_OSS = 8;
    /** Lustre OST indexes are 16 bits; we keep far below that. */
    public static final int MAX_OSTS = 4096;

    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+(\\.\\d+){0,2}");
    private static final Pattern CIDR = Pattern.compile(
            "((?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d))/(\\d|[12]\\d|3[0-2])");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private SpecValidator() {}

    /** Every problem with a new resource; empty when valid. */
    public static List<String> validate(String resourceName, LustreFileSystemSpec spec) {
        List<String> errors = new ArrayList<>();
        if (resourceName == null
                || resourceName.length() > MAX_RESOURCE_NAME_LENGTH
                || !DNS_LABEL.matcher(resourceName).matches()) {
            errors.add("metadata.name must be a DNS label of at most " + MAX_RESOURCE_NAME_LENGTH
                    + " characters (it prefixes VM names)");
        }
        if (spec == null) {
            errors.add("spec is required");
            return errors;
        }
        if (!FsName.isValid(spec.getFsName())) {
            errors.add("spec.fsName '" + spec.getFsName() + "' must be 1-8 characters of letters, digits, '_' or '-',"
                    + " not starting with '-' (Lustre encodes it in 16-character target labels)");
        }
        if (blank(spec.getImage())) {
            errors.add("spec.image (the Lustre server VM container disk) is required");
        }
        if (spec.getLustreVersion() == null
                || !VERSION.matcher(spec.getLustreVersion()).matches()) {
            errors.add("spec.lustreVersion '" + spec.getLustreVersion() + "' must look like 2.15.5");
        }
        int mdts = spec.getMdtCount() == null ? 0 : spec.getMdtCount();
        if (mdts < 1 || mdts > 64) {
            errors.add("spec.mdtCount must be between 1 and 64");
        }
        if (spec.getMdtSizeBytes() <= 0) {
            errors.add("spec.mdtSize must be a positive quantity such as 10Gi");
        }
        if (spec.getMgs() != null
                && !spec.getMgs().colocated()
                && Quantities.bytes(spec.getMgs().getSize()) <= 0) {
            errors.add("spec.mgs.size must be a positive quantity when the MGS is not co-located");
        }
        int perOss = spec.getOstsPerOss() == null ? 0 : spec.getOstsPerOss();
        if (perOss < 1 || perOss > MAX_OSTS_PER_OSS) {
            errors.add("spec.ostsPerOss must be between 1 and " + MAX_OSTS_PER_OSS);
            perOss = 1;
        }
        int osts = spec.getOstCount() == null ? 0 : spec.getOstCount();
        if (osts < 1 || osts > MAX_OSTS) {
            errors.add("spec.ostCount must be between 1 and " + MAX_OSTS);
        } else if (osts % perOss != 0) {
            errors.add("spec.ostCount " + osts + " must be a multiple of spec.ostsPerOss " + perOss
                    + " (an OSS is added and removed with all its OSTs)");
        }
        if (spec.getOstSizeBytes() <= 0) {
            errors.add("spec.ostSize must be a positive quantity such as 100Gi");
        }
        if (spec.getStandby() != null
                && spec.getStandby().getOssServers() != null
                && (spec.getStandby().getOssServers() < 0
                        || spec.getStandby().getOssServers() > StandbySpec.MAX_OSS_SERVERS)) {
            errors.add("spec.standby.ossServers must be between 0 and " + StandbySpec.MAX_OSS_SERVERS);
        }
        VmSpec vm = spec.getVm();
        if (vm == null || vm.getCpu() == null || vm.getCpu() < 1) {
            errors.add("spec.vm.cpu must be at least 1");
        }
        if (vm == null || Quantities.bytes(vm.getMemory()) < 512L * 1024 * 1024) {
            errors.add("spec.vm.memory must be at least 512Mi");
        }
        validateScalePolicy(spec, osts, perOss, errors);
        validateNetwork(spec, osts, perOss, mdts, errors);
        if (spec.metadataPairs()
                && (spec.getNetwork() == null || !spec.getNetwork().usesAttachment())) {
            // The targets are formatted with both NIDs of the pair, before the second VM ever ran: the NIDs must
            // be known in advance and never change. A pod-network address is neither.
            errors.add("spec.metadataFailover needs spec.network.attachment with static addresses (each VM of a"
                    + " pair is formatted into its targets by NID, before it first boots)");
        }
        return errors;
    }

    private static void validateScalePolicy(LustreFileSystemSpec spec, int osts, int perOss, List<String> errors) {
        ScalePolicy p = spec.getScalePolicy();
        if (p == null) {
            return;
        }
        int min = p.getMinOsts() == null ? 1 : p.getMinOsts();
        int max = p.getMaxOsts() == null ? MAX_OSTS : p.getMaxOsts();
        if (min < 1 || min > max) {
            errors.add("spec.scalePolicy needs 1 <= minOsts <= maxOsts");
        }
        if (min % perOss != 0 || (p.getMaxOsts() != null && max % perOss != 0)) {
            errors.add("spec.scalePolicy minOsts and maxOsts must be multiples of spec.ostsPerOss " + perOss);
        }
        if (osts > 0 && (osts < min || osts > max)) {
            errors.add("spec.ostCount " + osts + " is outside spec.scalePolicy [" + min + ", " + max + "]");
        }
        Integer headroom = p.getHeadroomPercent();
        if (headroom != null && (headroom < 0 || headroom > 90)) {
            errors.add("spec.scalePolicy.headroomPercent must be between 0 and 90");
        }
    }

    private static void validateNetwork(
            LustreFileSystemSpec spec, int osts, int perOss, int mdts, List<String> errors) {
        NetworkSpec net = spec.getNetwork();
        if (net == null || net.getType() == null) {
            errors.add("spec.network.type must be tcp or o2ib");
            return;
        }
        if (net.getType() == NetworkType.O2IB && !net.usesAttachment()) {
            errors.add("spec.network.type o2ib needs spec.network.attachment (a Multus network on the RDMA fabric)");
        }
        if (net.infiniBand() && net.getType() != NetworkType.O2IB) {
            errors.add(
                    "spec.network.linkLayer InfiniBand needs spec.network.type o2ib (IPoIB carries no tcp LNet here)");
        }
        if (!net.usesAttachment()) {
            if (net.getAddresses() != null && !net.getAddresses().isEmpty()) {
                errors.add("spec.network.addresses are only used with spec.network.attachment");
            }
            return;
        }
        if (!DNS_LABEL
                .matcher(
                        net.getAttachment().contains("/")
                                ? net.getAttachment()
                                        .substring(net.getAttachment().indexOf('/') + 1)
                                : net.getAttachment())
                .matches()) {
            errors.add("spec.network.attachment must be <name> or <namespace>/<name>");
        }
        List<String> addresses = net.getAddresses() == null ? List.of() : net.getAddresses();
        Set<String> seen = new HashSet<>();
        for (String a : addresses) {
            if (a == null || !CIDR.matcher(a).matches()) {
                errors.add("spec.network.addresses entry '" + a
                        + "' must be IPv4 with prefix length, e.g. 192.168.50.10/24");
            } else if (!seen.add(a.substring(0, a.indexOf('/')))) {
                errors.add("spec.network.addresses lists " + a + " twice");
            }
        }
        int maxOsts = spec.getScalePolicy() != null && spec.getScalePolicy().getMaxOsts() != null
                ? Math.max(osts, spec.getScalePolicy().getMaxOsts())
                : osts;
        int servers = serverCount(spec, maxOsts, perOss);
        if (addresses.size() < servers) {
            errors.add("spec.network.addresses has " + addresses.size() + " addresses but up to " + servers
                    + " servers need one each (MGS, MDS and OSS VMs up to the largest OST count"
                    + (spec.metadataPairs() ? ", and the partner of each metadata server" : "") + ")");
        }
    }

    /** Number of server VMs for a given OST count. */
    public static int serverCount(MgsSpec mgs, int mdts, int osts, int perOss) {
        int separateMgs = mgs != null && !mgs.colocated() ? 1 : 0;
        return separateMgs + mdts + (osts + perOss - 1) / perOss;
    }

    /** Server VMs including the partner VM of every metadata server when they run as failover pairs. */
    public static int serverCount(LustreFileSystemSpec spec, int osts, int perOss) {
        int mdts = spec.getMdtCount() == null ? 1 : spec.getMdtCount();
        int metadata = (spec.getMgs() != null && !spec.getMgs().colocated() ? 1 : 0) + mdts;
        return serverCount(spec.getMgs(), mdts, osts, perOss) + (spec.metadataPairs() ? metadata : 0);
    }

    /**
     * Problems with changing a resource whose targets already exist (as recorded in its status): the
     * filesystem name, the metadata layout and the network cannot change under formatted disks.
     */
    public static List<String> validateUpdate(LustreFileSystemSpec spec, LustreFileSystemStatus status) {
        List<String> errors = new ArrayList<>();
        if (status == null || status.getTargets() == null || status.getTargets().isEmpty()) {
            return errors;
        }
        String prefix = spec.getFsName() + "-";
        boolean sameFs = status.getTargets().stream()
                .filter(t -> t.getKind() != TargetKind.MGT)
                .allMatch(t -> t.getName().startsWith(prefix));
        if (!sameFs) {
            errors.add("spec.fsName cannot change once targets are formatted");
        }
        long mdts = status.getTargets().stream()
                .filter(t -> t.getKind() == TargetKind.MDT)
                .count();
        if (spec.getMdtCount() != null && mdts != spec.getMdtCount()) {
            errors.add("spec.mdtCount cannot change once the filesystem exists (has " + mdts + ")");
        }
        long osts = status.getTargets().stream()
                .filter(t -> t.getKind() == TargetKind.OST)
                .count();
        boolean perOssChanged = status.getServers() != null
                && status.getServers().stream()
                        .filter(sv -> sv.getRole() == ServerRole.OSS)
                        .anyMatch(sv -> status.getTargets().stream()
                                        .filter(t -> t.getKind() == TargetKind.OST
                                                && sv.getName().equals(t.getServer()))
                                        .count()
                                != (spec.getOstsPerOss() == null ? 1 : spec.getOstsPerOss()));
        if (osts > 0 && perOssChanged) {
            errors.add("spec.ostsPerOss cannot change once OSS servers exist");
        }
        boolean hasSeparateMgt = status.getTargets().stream().anyMatch(t -> t.getKind() == TargetKind.MGT);
        if (spec.getMgs() != null && spec.getMgs().colocated() == hasSeparateMgt) {
            errors.add("spec.mgs.colocated cannot change once the filesystem exists");
        }
        boolean paired =
                status.getServers() != null && status.getServers().stream().anyMatch(sv -> sv.getPartner() != null);
        boolean metadataExists = status.getTargets().stream().anyMatch(t -> t.getKind() != TargetKind.OST);
        if (metadataExists && paired != spec.metadataPairs()) {
            errors.add("spec.metadataFailover cannot change once the filesystem exists (its metadata targets are"
                    + " formatted with " + (paired ? "both" : "one") + " server NID" + (paired ? "s" : "") + ")");
        }
        return errors;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
