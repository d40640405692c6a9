package dev.lustrecsi.provisioner.fencing;

import dev.lustrecsi.testing.kube.RealControlPlane;

/**
 * {@link MetadataFailoverTest} on a real kube-apiserver: the pair's VMs with their anti-affinity, shareable disks and
 * ReadWriteMany claims as KubeVirt's real CRDs and the API server validate them; the status with the active VM
 * through the LustreFileSystem CRD's schema; Nodes, kubelet Leases and the out-of-service taint as in
 * {@link NodeFailureOnRealControlPlaneTest}.
 */
@RealControlPlane
class MetadataFailoverOnRealControlPlaneTest extends MetadataFailoverTest {}
