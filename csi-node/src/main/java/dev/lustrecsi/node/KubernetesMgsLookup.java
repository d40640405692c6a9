package dev.lustrecsi.node;

import dev.lustrecsi.csi.VolumeId;
import dev.lustrecsi.lustre.MgsNids;
import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code status.mgsNids} of the volume's LustreFileSystem (one {@code get}: the only verb the node plugin has
 * on them). Every failure to learn the NIDs — API unreachable or slow past {@code timeout}, the resource gone, not
 * yet reporting NIDs, another fsname behind the same name — answers empty, so NodeStage falls back to the volume
 * context rather than fail on an API outage.
 */
public final class KubernetesMgsLookup implements MgsLookup, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesMgsLookup.class);

    private final KubernetesClient client;
    private final Duration timeout;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mgs-lookup");
        t.setDaemon(true);
        return t;
    });

    public KubernetesMgsLookup(KubernetesClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    @Override
    public Optional<MgsNids> current(VolumeId id) {
        if (id.namespace().isEmpty()) {
            return Optional.empty(); // a static volume: no LustreFileSystem to ask
        }
        Future<LustreFileSystem> get = calls.submit(() -> client.resources(LustreFileSystem.class)
                .inNamespace(id.namespace())
                .withName(id.filesystem())
                .get());
        LustreFileSystem fs;
        try {
            fs = get.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            get.cancel(true);
            LOG.warn(
                    "LustreFileSystem {}/{}: no answer from the API server within {}; using the volume context's NIDs",
                    id.namespace(),
                    id.filesystem(),
                    timeout);
            return Optional.empty();
        } catch (ExecutionException e) {
            LOG.warn(
                    "LustreFileSystem {}/{} unreadable ({}); using the volume context's NIDs",
                    id.namespace(),
                    id.filesystem(),
                    e.getCause().toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        if (fs == null || fs.getStatus() == null || fs.getStatus().getMgsNids() == null) {
            return Optional.empty();
        }
        if (fs.getSpec() != null
                && fs.getSpec().getFsName() != null
                && !fs.getSpec().getFsName().equals(id.fsName())) {
            // The name now belongs to another filesystem: its MGS does not serve this volume.
            return Optional.empty();
        }
        List<String> nids = fs.getStatus().getMgsNids();
        if (nids.isEmpty()) {
            return Optional.empty();
        }
        try {
            // One entry per MGS node (failover), as the controller joins them.
            return Optional.of(MgsNids.parse(String.join(":", nids)));
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "LustreFileSystem {}/{} reports unusable MGS NIDs {}: {}",
                    id.namespace(),
                    id.filesystem(),
                    nids,
                    e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }
}
