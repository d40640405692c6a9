package dev.lustrecsi.model;

/** What a server VM runs. A co-located MGS runs on the MDS that holds MDT0. */
public enum ServerRole {
    MGS,
    MDS,
    OSS
}
