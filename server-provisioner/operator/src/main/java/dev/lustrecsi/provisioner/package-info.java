/**
 * server-provisioner: the operator that runs a {@code LustreFileSystem}'s servers as KubeVirt VMs.
 *
 * <p>Layout (Strimzi-like): {@code dev.lustrecsi.model} (lustre-model) is the resource and its validation;
 * {@code topology} computes which servers and targets are needed from spec + status + existing VM names;
 * {@code manifest} is the one place that builds VirtualMachines, PVCs and cloud-init (typed KubeVirt
 * classes generated at build time from the trimmed KubeVirt CRD schema in {@code src/main/kubevirt-crds});
 * {@code reconcile} takes the next safe steps each pass; {@link dev.lustrecsi.provisioner.LustreOperator}
 * is the informer-driven loop and {@link dev.lustrecsi.provisioner.OperatorMain} the command line.
 *
 * <p>What runs where in production: the operator only talks to the Kubernetes API. Inside each VM, the
 * cloud-init boot script (a systemd unit, every boot) configures LNet and formats blank target disks and
 * mounts them. For draining OSTs the operator must run {@code lctl}/{@code lfs} inside the MDS/MGS VMs:
 * {@link dev.lustrecsi.provisioner.exec.VirtctlSshExecutor} does that with {@code virtctl ssh} and a key the
 * VMs trust through cloud-init. That path has not run against a real cluster here (no KubeVirt or Lustre on
 * the build machine); the tests drive the same reconciler with a KubeVirt simulator and a simulated Lustre
 * that answer the real command lines.
 *
 * <p>Server NIDs: on the pod network each server's NID is the ClusterIP of its Service {@code lnet-<server>},
 * which survives restarts and re-creation; with a Multus attachment, a static address. Known limits: a filesystem
 * created before Service addresses ({@code status.nidSource: PodAddress}) keeps pod-address NIDs: a re-created
 * server gets a new one, Lustre's configuration logs keep the old NID (and targets formatted against an old MGS
 * NID need {@code tunefs.lustre}), rewritable only with the whole filesystem stopped; the operator warns
 * ({@code MgsNidChanged}, {@code ServerNidChanged}). A drain in progress
 * is not cancelled when {@code ostCount} is raised again: new OSSs are added and the drain completes.
 * MDT count and OSTs per OSS are fixed after creation. Retired OST indexes are never reused.
 */
package dev.lustrecsi.provisioner;
