package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.lustre.CommandResult;
import dev.lustrecsi.model.LustreFileSystemStatus;
import dev.lustrecsi.model.ServerStatus;
import dev.lustrecsi.provisioner.exec.ServerCommandExecutor;
import dev.lustrecsi.provisioner.topology.ServerPlan;
import dev.lustrecsi.provisioner.topology.Topology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends a command meant for a metadata server to the VM of its failover pair that is active, as the status records
 * it: the rest of the operator names servers by their plan (the pair's first VM), whichever VM serves the targets.
 * Filled from the status at every pass, so it holds nothing the API does not.
 */
final class ActiveMembers implements ServerCommandExecutor {
    private final ServerCommandExecutor delegate;
    /** namespace/pair name -> the VM that is active. */
    private final Map<String, String> active = new ConcurrentHashMap<>();

    ActiveMembers(ServerCommandExecutor delegate) {
        this.delegate = delegate;
    }

    /** The VM itself, whichever member it is: for the activation, which goes to one VM by name. */
    ServerCommandExecutor direct() {
        return delegate;
    }

    void record(String namespace, Topology topology, LustreFileSystemStatus status) {
        for (ServerPlan first : topology.metadataServers()) {
            if (!first.paired()) {
                continue;
            }
            String serving = status.server(first.partner())
                    .filter(st -> Boolean.TRUE.equals(st.getActive()))
                    .map(ServerStatus::getName)
                    .orElse(first.name());
            active.put(namespace + "/" + first.name(), serving);
        }
    }

    @Override
    public CommandResult exec(String namespace, String vmName, List<String> argv, Duration timeout) {
        return delegate.exec(namespace, active.getOrDefault(namespace + "/" + vmName, vmName), argv, timeout);
    }
}
