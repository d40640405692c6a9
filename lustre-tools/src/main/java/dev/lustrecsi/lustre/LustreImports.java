package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Lustre client's imports (its connections to the MDTs and OSTs) as {@code lctl get_param -n
 * mdc.*.import osc.*.import} prints them, one YAML block per device:
 * <pre>
 * import:
 *     name: fs1-OST0000-osc-ffff8b2d6e5d9000
 *     target: fs1-OST0000_UUID
 *     state: FULL
 *     ...
 *     import_flags: [ replayable, pingable, connect_tried ]
 *     connection:
 *        failover_nids: [ "10.0.0.2@tcp" ]
 *        current_connection: "10.0.0.2@tcp"
 * </pre>
 * (2.17.0 quotes the NIDs; 2.15 does not.) Only the fields the node plugin judges health by are kept.
 * <p>An OST the administrator deactivated ({@code lctl conf_param <fs>-OSTxxxx.osc.active=0}, as after a
 * scale-in) is not a fault: on clients connected at the time its import keeps {@code state: FULL} with
 * {@code import_flags: [ invalid, deactive, ... ]} (real 2.17.0 transcript 194); a client mounted afterwards
 * never connects it and its import stays {@code NEW} (lustre/lov/lov_obd.c lov_connect_osc skips targets that are
 * not activated). Such imports are {@link Import#deactivated()}: neither working nor broken.
 */
public record LustreImports(List<Import> imports) {
    /**
     * States of a working import: {@code FULL}, and {@code IDLE} (2.12+ disconnects unused OSC imports on
     * purpose and reconnects on the next request). Everything else (DISCONN, CONNECTING, REPLAY*,
     * RECOVER, EVICTED, CLOSED, NEW) means requests to that target wait or fail.
     */
    public static final Set<String> WORKING = Set.of("FULL", "IDLE");

    /** One client import: the device, the target it connects to, its state, import flags and the NID it uses. */
    public record Import(String device, String target, String state, String currentConnection, List<String> flags) {
        public Import {
            flags = List.copyOf(flags);
        }

        public Import(String device, String target, String state, String currentConnection) {
            this(device, target, state, currentConnection, List.of());
        }

        /** Deactivated by the administrator ({@code deactive}): requests never go there, whatever the state says. */
        public boolean deactivated() {
            return flags.contains("deactive");
        }

        /**
         * Requests to the target are served: a working state and not {@code invalid} (an invalidated import fails
         * every request, lustre/ptlrpc/import.c ptlrpc_invalidate_import) nor deactivated.
         */
        public boolean working() {
            return WORKING.contains(state) && !flags.contains("invalid") && !deactivated();
        }

        /** The target without its {@code _UUID} suffix, e.g. {@code fs1-OST0000}. */
        public String targetName() {
            return target.endsWith("_UUID") ? target.substring(0, target.length() - 5) : target;
        }
    }

    public LustreImports {
        imports = List.copyOf(imports);
    }

    public static LustreImports parse(String text) {
        List<Import> out = new ArrayList<>();
        // The current block's "key: value" lines, the first of each key (the top-level name, target and state
        // come before any nested line of the same name).
        Map<String, String> block = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int colon = line.indexOf(':');
            if (line.equals("import:")) {
                add(out, block);
                block = new HashMap<>();
            } else if (block != null && colon > 0) {
                block.putIfAbsent(
                        line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        add(out, block);
        return new LustreImports(out);
    }

    private static void add(List<Import> out, Map<String, String> block) {
        if (block == null || !block.containsKey("name") || !block.containsKey("state")) {
            return;
        }
        String name = block.get("name");
        out.add(new Import(
                name,
                block.getOrDefault("target", name),
                block.get("state"),
                unquote(block.getOrDefault("current_connection", "")),
                list(block.getOrDefault("import_flags", ""))));
    }

    /** {@code [ a, b ]} as [a, b]. */
    private static List<String> list(String value) {
        String v = value.strip();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
        }
        return java.util.Arrays.stream(v.split(","))
                .map(String::strip)
                .filter(x -> !x.isEmpty())
                .toList();
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /** The imports that are not working, deactivated ones left out, e.g. to name them in a volume condition. */
    public List<Import> notWorking() {
        return imports.stream().filter(i -> !i.deactivated() && !i.working()).toList();
    }

    /** The imports of targets the administrator deactivated (e.g. OSTs retired by a scale-in). */
    public List<Import> deactivated() {
        return imports.stream().filter(Import::deactivated).toList();
    }
}
