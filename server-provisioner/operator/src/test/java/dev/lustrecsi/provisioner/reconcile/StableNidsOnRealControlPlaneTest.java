package dev.lustrecsi.provisioner.reconcile;

import dev.lustrecsi.testing.kube.RealControlPlane;

/**
 * {@link StableNidsTest} on a real kube-apiserver: its ClusterIP allocator hands out the addresses (none from the
 * simulator), refuses one address to two Services, gives a deleted Service's address back when asked for it, and
 * validates the Services and their owner references as a cluster does.
 */
@RealControlPlane
class StableNidsOnRealControlPlaneTest extends StableNidsTest {}
