package dev.lustrecsi.lustre;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An LNet network identifier, {@code address@network}, e.g. {@code 10.0.0.5@tcp} or
 * {@code 192.168.1.7@o2ib1}. Only IPv4 addresses on tcp/o2ib networks are accepted: those are
 * the LNet drivers this product configures, and a strict grammar keeps NIDs safe to pass to tools.
 */
public record Nid(String address, String network) {
    private static final Pattern NID = Pattern.compile(
            "((?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d))@((?:tcp|o2ib)\\d{0,3})");

    public Nid {
        if (address == null
                || network == null
                || !NID.matcher(address + "@" + network).matches()) {
            throw new IllegalArgumentException("invalid LNet NID '" + address + "@" + network + "'");
        }
    }

    public static Nid parse(String text) {
        Matcher m = text == null ? null : NID.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(
                    "invalid LNet NID '" + text + "': expected <ipv4>@tcp[N] or <ipv4>@o2ib[N]");
        }
        return new Nid(m.group(1), m.group(2));
    }

    /** The LNet driver type of the network: {@code tcp} or {@code o2ib}. */
    public String networkType() {
        return network.startsWith("o2ib") ? "o2ib" : "tcp";
    }

    @Override
    public String toString() {
        return address + "@" + network;
    }
}
