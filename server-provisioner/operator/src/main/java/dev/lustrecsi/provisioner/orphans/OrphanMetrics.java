package dev.lustrecsi.provisioner.orphans;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Orphan collection metrics by {@link OrphanKind}: removed (counter) and waiting out the grace period (gauge).
 */
public final class OrphanMetrics {
    final Counter removed;
    final Gauge pending;

    public OrphanMetrics(PrometheusRegistry registry) {
        removed = Counter.builder()
                .name("lustre_operator_orphans_removed_total")
                .help("Server VMs (kind=vm) and target disks (kind=disk) removed because nothing owned them")
                .labelNames("kind")
                .register(registry);
        pending = Gauge.builder()
                .name("lustre_operator_orphans_pending")
                .help("Orphaned server VMs and target disks waiting out the grace period")
                .labelNames("kind")
                .register(registry);
        for (OrphanKind kind : OrphanKind.values()) {
            removed.labelValues(kind.name());
            pending.labelValues(kind.name());
        }
    }
}
