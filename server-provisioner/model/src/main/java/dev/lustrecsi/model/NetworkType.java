package dev.lustrecsi.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The LNet driver the servers use; also the LNet network name in their NIDs ({@code 10.0.0.5@tcp}). */
public enum NetworkType {
    TCP("tcp"),
    O2IB("o2ib");

    private final String lnetName;

    NetworkType(String lnetName) {
        this.lnetName = lnetName;
    }

    @JsonValue
    public String lnetName() {
        return lnetName;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static NetworkType fromLnetName(String name) {
        for (NetworkType t : values()) {
            if (t.lnetName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown LNet network type '" + name + "' (tcp or o2ib)");
    }
}
