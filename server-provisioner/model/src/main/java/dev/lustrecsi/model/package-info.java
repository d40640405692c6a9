/**
 * The {@code LustreFileSystem} custom resource ({@code lustre.lustrecsi.dev/v1alpha1}, short name
 * {@code lustrefs}): a Lustre filesystem whose MGS/MDS/OSS servers run as KubeVirt VMs.
 *
 * <p>For clients of the resource (the CSI controller):
 * <ul>
 *   <li>to grow or shrink, change {@code spec.ostCount}
 *       ({@link dev.lustrecsi.model.LustreFileSystemSpec#getOstCount()}), a multiple of {@code spec.ostsPerOss},
 *       within {@code spec.scalePolicy.{minOsts,maxOsts}}; keep
 *       {@code headroomPercent} free;</li>
 *   <li>{@code spec.ostSize} is a Kubernetes quantity ({@code 100Gi}); use
 *       {@link dev.lustrecsi.model.LustreFileSystemSpec#getOstSizeBytes()} for arithmetic;</li>
 *   <li>mount with {@code status.mgsNids} ({@code 10.0.0.5@tcp}, one per MGS node) and {@code spec.fsName} once
 *       {@code status.phase} is {@link dev.lustrecsi.model.Phase#Ready} (or Scaling/Upgrading/Degraded: the
 *       filesystem stays mountable while the operator works);</li>
 *   <li>{@code status.capacityBytes} counts only OSTs that are ready and accept new objects;</li>
 *   <li>{@code spec.network.type} is {@code tcp} or {@code o2ib} ({@link dev.lustrecsi.model.NetworkType}).</li>
 * </ul>
 * {@link dev.lustrecsi.model.SpecValidator} holds the rules beyond the CRD schema; the operator reports
 * violations in the {@code SpecValid} condition.
 */
package dev.lustrecsi.model;
