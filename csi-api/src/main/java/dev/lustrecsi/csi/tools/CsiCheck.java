package dev.lustrecsi.csi.tools;

import com.google.protobuf.util.JsonFormat;
import dev.lustrecsi.csi.server.Endpoint;
import dev.lustrecsi.csi.server.UnixChannels;
import dev.lustrecsi.csi.v1.GetPluginCapabilitiesRequest;
import dev.lustrecsi.csi.v1.GetPluginInfoRequest;
import dev.lustrecsi.csi.v1.IdentityGrpc;
import dev.lustrecsi.csi.v1.NodeGetCapabilitiesRequest;
import dev.lustrecsi.csi.v1.NodeGetInfoRequest;
import dev.lustrecsi.csi.v1.NodeGrpc;
import dev.lustrecsi.csi.v1.ProbeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A small CSI client, in the spirit of {@code csc}: dials a plugin's socket and prints what the
 * Identity (and, with {@code --node}, Node) services answer, as JSON. For admins checking a node
 * and for the README's quick start.
 */
@Command(
        name = "csi-check",
        mixinStandardHelpOptions = true,
        description = "Print a CSI plugin's Identity (and Node) answers.")
public final class CsiCheck implements Callable<Integer> {

    @Option(names = "--endpoint", required = true, description = "plugin socket, e.g. unix:///csi/csi.sock")
    String endpoint;

    @Option(names = "--node", description = "also call NodeGetInfo and NodeGetCapabilities")
    boolean node;

    @Option(names = "--timeout", defaultValue = "10", description = "seconds per call (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    private final PrintStream out;

    public CsiCheck() {
        this(System.out);
    }

    CsiCheck(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new CsiCheck()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ManagedChannel channel = UnixChannels.open(Endpoint.parse(endpoint).uri());
        try {
            IdentityGrpc.IdentityBlockingStub identity =
                    IdentityGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
            print("GetPluginInfo", identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()));
            identity = identity.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
            print(
                    "GetPluginCapabilities",
                    identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance()));
            identity = identity.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
            print("Probe", identity.probe(ProbeRequest.getDefaultInstance()));
            if (node) {
                NodeGrpc.NodeBlockingStub nodeStub = NodeGrpc.newBlockingStub(channel);
                print(
                        "NodeGetInfo",
                        nodeStub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                                .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()));
                print(
                        "NodeGetCapabilities",
                        nodeStub.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
                                .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance()));
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("csi-check: " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
            return 1;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void print(String method, com.google.protobuf.MessageOrBuilder answer) throws Exception {
        out.println(method + ": "
                + JsonFormat.printer()
                        .alwaysPrintFieldsWithNoPresence()
                        .print(answer)
                        .replace("\n", "\n  "));
    }
}
