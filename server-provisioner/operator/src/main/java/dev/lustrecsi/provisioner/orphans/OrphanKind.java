package dev.lustrecsi.provisioner.orphans;

/** What the orphan collector removes; the name is the {@code kind} label of its metrics. */
enum OrphanKind {
    /** A server VirtualMachine. */
    vm,
    /** A target disk (PersistentVolumeClaim). */
    disk
}
