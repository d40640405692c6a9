package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Warm standby: OSS servers kept booted with their OSTs formatted and mounted, but taking no new objects
 * ({@code max_create_count=0} on every MDT), so raising {@code spec.ostCount} puts them into service with one
 * {@code lctl set_param} per MDT instead of a VM boot and {@code mkfs.lustre}. Standby OSTs count in neither
 * {@code status.capacityBytes} nor {@code status.activeOsts}; they are shown in {@code status.standbyOsts}.
 * Only OSSs: an MGS is unique and the MDT count is fixed once created.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StandbySpec {
    public static final int MAX_OSS_SERVERS = 16;

    private Integer ossServers = 0;

    public StandbySpec() {}

    public StandbySpec(Integer ossServers) {
        this.ossServers = ossServers;
    }

    /** OSS VMs (each with {@code spec.ostsPerOss} OSTs) kept on standby; 0 for none. */
    public Integer getOssServers() {
        return ossServers;
    }

    public void setOssServers(Integer ossServers) {
        this.ossServers = ossServers;
    }

    /** {@link #getOssServers()} of a possibly absent standby spec, 0 when unset. */
    public static int ossServers(StandbySpec standby) {
        return standby == null || standby.ossServers == null ? 0 : Math.max(0, standby.ossServers);
    }
}
