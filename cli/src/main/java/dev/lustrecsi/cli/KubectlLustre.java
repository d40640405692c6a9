package dev.lustrecsi.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code kubectl lustre}: a kubectl plugin (kubectl runs {@code kubectl-lustre} from PATH) for the
 * LustreFileSystem resources the server-provisioner operator runs as KubeVirt VMs.
 */
@Command(
        name = "kubectl lustre",
        mixinStandardHelpOptions = true,
        versionProvider = KubectlLustre.Version.class,
        description = "Create, inspect, scale, upgrade and delete Lustre filesystems (LustreFileSystem resources);"
                + " check a cluster for what the driver needs (doctor).",
        footer = {"", ExitCode.HELP},
        subcommands = {
            CreateCommand.class,
            GetCommand.class,
            DescribeCommand.class,
            ScaleCommand.class,
            UpgradeCommand.class,
            DeleteCommand.class,
            WaitCommand.class,
            DoctorCommand.class,
            CommandLine.HelpCommand.class
        })
public final class KubectlLustre {

    @Option(
            names = {"-n", "--namespace"},
            scope = ScopeType.INHERIT,
            description = "namespace (default: the kubeconfig context's, else \"default\")")
    String namespace;

    @Option(names = "--context", scope = ScopeType.INHERIT, description = "kubeconfig context to use")
    String context;

    @Option(
            names = "--request-timeout",
            scope = ScopeType.INHERIT,
            defaultValue = "30",
            description = "seconds a single API request may take (default: ${DEFAULT-VALUE})")
    int requestTimeoutSeconds;

    /** Makes the API client once the options are parsed. */
    @FunctionalInterface
    public interface ClientFactory {
        KubernetesClient create(String context, int requestTimeoutSeconds);
    }

    private final ClientFactory clientFactory;
    private KubernetesClient client;

    /** Production: a client from the kubeconfig (KUBECONFIG, ~/.kube/config, in-cluster), like kubectl's. */
    public KubectlLustre() {
        this((ctx, timeout) -> {
            Config config = new ConfigBuilder(Config.autoConfigure(ctx))
                    .withRequestTimeout(timeout * 1000)
                    .build();
            return new KubernetesClientBuilder().withConfig(config).build();
        });
    }

    /** Tests hand in the mock API server's client. */
    public KubectlLustre(ClientFactory clientFactory) {
        this.clientFactory = clientFactory;
    }

    KubernetesClient client() {
        if (client == null) {
            client = clientFactory.create(context, requestTimeoutSeconds);
        }
        return client;
    }

    String namespace() {
        if (namespace != null && !namespace.isBlank()) {
            return namespace;
        }
        String ns = client().getNamespace();
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    /** A configured command line: errors become one {@code error:} line and a documented exit code. */
    public static CommandLine commandLine(KubectlLustre root, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            int code = ExitCode.FAILED;
            String message;
            if (ex instanceof CliException c) {
                code = c.exitCode();
                message = c.getMessage();
            } else if (ex instanceof KubernetesClientException k) {
                message = ApiErrors.describe(
                        k,
                        root.client == null ? null : root.client.getMasterUrl().toString());
            } else {
                message = ex.toString();
            }
            commandLine.getErr().println("error: " + message);
            commandLine.getErr().flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("See '" + c.getCommandSpec().qualifiedName() + " --help'.");
            c.getErr().flush();
            return ExitCode.USAGE;
        });
        return cl;
    }

    public static void main(String[] args) {
        // Library logging (fabric8's reconnect notices, ...) would mix into the output scripts parse.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        // fabric8 warns on every v1alpha1 request; the CLI knows its CRD is alpha.
        System.setProperty(
                "org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils", "error");
        KubectlLustre root = new KubectlLustre();
        int code;
        try (PrintWriter out = new PrintWriter(System.out, true);
                PrintWriter err = new PrintWriter(System.err, true)) {
            code = commandLine(root, out, err).execute(args);
        } finally {
            if (root.client != null) {
                root.client.close();
            }
        }
        System.exit(code);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KubectlLustre.class.getPackage().getImplementationVersion();
            return new String[] {"kubectl-lustre " + (v == null ? "development build" : v)};
        }
    }
}
