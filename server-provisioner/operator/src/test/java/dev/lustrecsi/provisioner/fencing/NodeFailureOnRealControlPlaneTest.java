package dev.lustrecsi.provisioner.fencing;

import dev.lustrecsi.testing.kube.RealControlPlane;

/**
 * {@link NodeFailureTest} on a real kube-apiserver: Nodes and their status subresource, kubelet Leases in
 * kube-node-lease, the out-of-service taint patch, virt-launcher Pods and KubeVirt's real CRDs as the API server
 * validates and stores them. A dead node's VM moves; within the grace, with a renewing kubelet or when half the
 * nodes go silent (a partition), nothing moves.
 */
@RealControlPlane
class NodeFailureOnRealControlPlaneTest extends NodeFailureTest {}
