package dev.lustrecsi.controller;

import dev.lustrecsi.model.LustreFileSystem;
import dev.lustrecsi.model.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's visible behaviour, in test code: every LustreFileSystem becomes Ready with an MGS NID and as
 * many active OSTs as its spec asks for. It also records, from a watch, every spec.ostCount the controller
 * wrote, in order, so tests can see how a pool grew and shrank.
 */
final class OperatorStandIn implements AutoCloseable {
    private final KubernetesClient client;
    private final Map<String, String> nids;
    private final Map<String, List<Integer>> ostCounts = new ConcurrentHashMap<>();
    private final Watch watch;
    private final Thread reconciler;
    private volatile boolean running = true;

    /** @param nids MGS NID per LustreFileSystem name */
    OperatorStandIn(KubernetesClient client, Map<String, String> nids) {
        this.client = client;
        this.nids = nids;
        this.watch = client.resources(LustreFileSystem.class)
                .inNamespace(ControllerFixture.NAMESPACE)
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, LustreFileSystem fs) {
                        if (action == Action.ADDED || action == Action.MODIFIED) {
                            List<Integer> seen = ostCounts.computeIfAbsent(
                                    fs.getMetadata().getName(),
                                    n -> java.util.Collections.synchronizedList(new ArrayList<>()));
                            Integer count = fs.getSpec().getOstCount();
                            synchronized (seen) {
                                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(count)) {
                                    seen.add(count);
                                }
                            }
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                });
        this.reconciler = new Thread(this::loop, "operator-stand-in");
        reconciler.setDaemon(true);
        reconciler.start();
    }

    private void loop() {
        while (running) {
            try {
                for (LustreFileSystem fs : client.resources(LustreFileSystem.class)
                        .inNamespace(ControllerFixture.NAMESPACE)
                        .list()
                        .getItems()) {
                    String nid = nids.get(fs.getMetadata().getName());
                    int osts = fs.getSpec().getOstCount();
                    if (nid == null
                            || (fs.getStatus().getPhase() == Phase.Ready
                                    && Integer.valueOf(osts)
                                            .equals(fs.getStatus().getActiveOsts()))) {
                        continue;
                    }
                    ControllerFixture.serving(fs, Phase.Ready, nid);
                    try {
                        client.resources(LustreFileSystem.class)
                                .inNamespace(ControllerFixture.NAMESPACE)
                                .resource(fs)
                                .updateStatus();
                    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                        // Conflict with the controller's write: look again next round.
                    }
                }
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The mock server shutting down at the end of a test.
            }
        }
    }

    /** The distinct consecutive spec.ostCount values of a filesystem, oldest first. */
    List<Integer> ostCountHistory(String name) {
        List<Integer> seen = ostCounts.getOrDefault(name, List.of());
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    @Override
    public void close() {
        running = false;
        reconciler.interrupt();
        try {
            reconciler.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watch.close();
    }
}
