package dev.lustrecsi.cli;

import dev.lustrecsi.lustre.FsName;
import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.LustreFileSystemSpec;
import dev.lustrecsi.model.NetworkSpec;
import dev.lustrecsi.model.NetworkType;
import dev.lustrecsi.model.ScalePolicy;
import dev.lustrecsi.model.SpecValidator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
        name = "create",
        description = {
            "Create a Lustre filesystem (the operator starts its MGS, MDS and OSS VMs).",
            "Give the capacity with --size (OSTs are counted for you) or the OST count with --osts."
        },
        footer = {
            "",
            "Examples:",
            "  kubectl lustre create scratch --size 4Ti --wait",
            "  kubectl lustre create ib --osts 8 --ost-size 1Ti --network o2ib --attachment hpc/ib-fabric \\",
            "      --addresses 192.168.50.10/24,192.168.50.11/24,...  (one per server VM)"
        })
public final class CreateCommand implements Callable<Integer> {

    /** The server VM image published from deploy/vm-image, tagged with its Lustre version. */
    public static final String DEFAULT_IMAGE_REPOSITORY = "ghcr.io/lustrecsi/lustre-server-vm";

    public static final String DEFAULT_LUSTRE_VERSION = "2.15.5";

    @ParentCommand
    KubectlLustre root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "name of the LustreFileSystem resource")
    String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Capacity capacity;

    static final class Capacity {
        @Option(
                names = "--size",
                paramLabel = "SIZE",
                description = "total OST capacity, e.g. 4Ti; rounded up to whole OSS VMs")
        String size;

        @Option(names = "--osts", paramLabel = "N", description = "number of OSTs")
        Integer osts;
    }

    @Option(
            names = "--ost-size",
            defaultValue = "100Gi",
            description = "size of each OST disk (default: ${DEFAULT-VALUE})")
    String ostSize;

    @Option(names = "--osts-per-oss", defaultValue = "1", description = "OSTs per OSS VM (default: ${DEFAULT-VALUE})")
    int ostsPerOss;

    @Option(names = "--mdts", defaultValue = "1", description = "MDTs, one MDS VM each (default: ${DEFAULT-VALUE})")
    int mdts;

    @Option(
            names = "--mdt-size",
            defaultValue = "10Gi",
            description = "size of each MDT disk (default: ${DEFAULT-VALUE})")
    String mdtSize;

    @Option(names = "--fs-name", description = "Lustre fsname, 1-8 characters (default: derived from NAME)")
    String fsName;

    @Option(
            names = "--network",
            defaultValue = "tcp",
            description = "LNet network of the servers: tcp or o2ib (default: ${DEFAULT-VALUE})")
    String network;

    @Option(
            names = "--attachment",
            description = "Multus NetworkAttachmentDefinition, NAME or NAMESPACE/NAME (required for o2ib)")
    String attachment;

    @Option(
            names = "--addresses",
            split = ",",
            description = "static IPv4/prefix addresses on the attachment, one per server VM")
    List<String> addresses = new ArrayList<>();

    @Option(
            names = "--lustre-version",
            defaultValue = DEFAULT_LUSTRE_VERSION,
            description = "Lustre server version (default: ${DEFAULT-VALUE})")
    String lustreVersion;

    @Option(
            names = "--image",
            description = "server VM container disk (default: " + DEFAULT_IMAGE_REPOSITORY + ":<lustre-version>)")
    String image;

    @Option(
            names = "--disk-storage-class",
            description = "StorageClass of the target disks (default: the cluster default)")
    String diskStorageClass;

    @Option(names = "--min-osts", description = "lowest OST count the CSI controller may shrink to")
    Integer minOsts;

    @Option(names = "--max-osts", description = "highest OST count the CSI controller may grow to")
    Integer maxOsts;

    @Option(
            names = "--dry-run",
            description = "print the resource that would be created (-o yaml|json) and create nothing")
    boolean dryRun;

    @Mixin
    WaitOptions waitOptions;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        LustreFileSystem fs = build();
        List<String> problems = SpecValidator.validate(name, fs.getSpec());
        if (!problems.isEmpty()) {
            throw FileSystemCommand.invalid("invalid filesystem " + name, problems);
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (dryRun) {
            (output.format == OutputFormat.text ? OutputFormat.yaml : output.format).print(out, fs);
            return ExitCode.OK;
        }
        FileSystems fileSystems = new FileSystems(root.client(), root.namespace());
        LustreFileSystem created;
        try {
            created = fileSystems
                    .api()
                    .inNamespace(fileSystems.namespace())
                    .resource(fs)
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new CliException(
                        ExitCode.REFUSED,
                        "lustrefilesystem \"" + name + "\" already exists in namespace \"" + fileSystems.namespace()
                                + "\"");
            }
            throw e;
        }
        err.println("lustrefilesystem/" + name + " created (" + fs.getSpec().getOstCount() + " OSTs of "
                + fs.getSpec().getOstSize() + ", " + network + ")");
        err.flush();
        created = waitOptions.awaitIfAsked(fileSystems, err, name, Goal.ready(), created);
        output.printIfMachineReadable(out, created);
        return ExitCode.OK;
    }

    LustreFileSystem build() {
        long ostBytes = Sizes.parse("--ost-size", ostSize);
        Sizes.parse("--mdt-size", mdtSize);
        if (ostsPerOss < 1) {
            throw new CliException(ExitCode.USAGE, "--osts-per-oss must be at least 1");
        }
        int ostCount;
        if (capacity.osts != null) {
            ostCount = capacity.osts;
        } else {
            long want = Sizes.parse("--size", capacity.size);
            long osts = (want + ostBytes - 1) / ostBytes;
            // An OSS VM comes with all its OSTs: round up to whole servers.
            ostCount = (int) Math.min(Integer.MAX_VALUE, (osts + ostsPerOss - 1) / ostsPerOss * ostsPerOss);
        }
        NetworkType type;
        try {
            type = NetworkType.fromLnetName(network.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--network must be tcp or o2ib, not '" + network + "'");
        }

        LustreFileSystemSpec s = new LustreFileSystemSpec();
        s.setFsName(fsName != null ? fsName : defaultFsName(name));
        s.setLustreVersion(lustreVersion);
        s.setImage(image != null ? image : DEFAULT_IMAGE_REPOSITORY + ":" + lustreVersion);
        s.setMdtCount(mdts);
        s.setMdtSize(new Quantity(mdtSize));
        s.setOstCount(ostCount);
        s.setOstSize(new Quantity(ostSize));
        s.setOstsPerOss(ostsPerOss);
        s.setStorageClassName(diskStorageClass);
        NetworkSpec net = new NetworkSpec();
        net.setType(type);
        net.setAttachment(attachment);
        net.setAddresses(new ArrayList<>(addresses));
        s.setNetwork(net);
        if (minOsts != null || maxOsts != null) {
            ScalePolicy policy = new ScalePolicy();
            policy.setMinOsts(minOsts);
            policy.setMaxOsts(maxOsts);
            s.setScalePolicy(policy);
        }
        LustreFileSystem fs = new LustreFileSystem();
        fs.setMetadata(new ObjectMetaBuilder().withName(name).build());
        fs.setSpec(s);
        fs.setStatus(null);
        return fs;
    }

    /** The resource name's letters and digits, cut to Lustre's 8 characters ("scratch-01" → "scratch0"). */
    static String defaultFsName(String resourceName) {
        String cleaned = resourceName == null ? "" : resourceName.replaceAll("[^A-Za-z0-9_]", "");
        String candidate = cleaned.length() > 8 ? cleaned.substring(0, 8) : cleaned;
        return FsName.isValid(candidate) ? candidate : "lustre";
    }
}
