package dev.lustrecsi.controller;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How this controller instance is set up (flags, not state).
 *
 * @param namespace         where pools and dedicated filesystems live unless a StorageClass says otherwise
 * @param serverImage       Lustre server VM image for filesystems the driver creates, unless the StorageClass names one
 * @param lustreVersion     the Lustre version that image carries
 * @param readyWait         how long a CreateVolume waits for a new filesystem to become Ready before answering
 *                          UNAVAILABLE (the external-provisioner then retries, and the retry keeps waiting)
 * @param pollInterval      how often the wait re-reads the LustreFileSystem
 * @param shrinkBandPercent hysteresis: extra headroom kept when a pool shrinks
 * @param poolMountRoot     where the controller mounts pools to create volume directories
 * @param commandTimeout    bound on each lfs invocation
 * @param diskStorageClass  StorageClass of the server VMs' target disks in the filesystems the driver creates;
 *                          empty: the cluster's default class
 */
public record ControllerConfig(
        String namespace,
        Optional<String> serverImage,
        Optional<String> lustreVersion,
        Duration readyWait,
        Duration pollInterval,
        int shrinkBandPercent,
        ProjectIdAllocator projectIds,
        Path poolMountRoot,
        Duration commandTimeout,
        Optional<String> diskStorageClass) {}
