package dev.lustrecsi.controller;

/**
 * What every part of the controller that works on shared pools goes through, one of each per process: the
 * LustreFileSystems, the volume records, the controller's pool mounts and the volume directories on them. Used by
 * the RPC layer ({@link SharedPoolVolumes}) and the collectors ({@link OrphanCollector},
 * {@link PoolDirectoryOrphans}).
 */
public record SharedPools(
        LustreFileSystems fileSystems, VolumeRecords records, PoolMounts mounts, VolumeDirectories directories) {}
