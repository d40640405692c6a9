package dev.lustrecsi.lustre;

import java.util.ArrayList;
import java.util.List;
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
 *     connection:
 *        failover_nids: [ 10.0.0.2@tcp ]
 *        current_connection: 10.0.0.2@tcp
 * </pre>
 * Only the fields the node plugin judges health by are kept.
 */
public record LustreImports(List<Import> imports) {
    /**
     * States of a working import: {@code FULL}, and {@code IDLE} (2.12+ disconnects unused OSC imports on
     * purpose and reconnects on the next request). Everything else (DISCONN, CONNECTING, REPLAY*,
     * RECOVER, EVICTED, CLOSED, NEW) means requests to that target wait or fail.
     */
    public static final Set<String> WORKING = Set.of("FULL", "IDLE");

    /** One client import: the device, the target it connects to, its state and the NID it uses. */
    public record Import(String device, String target, String state, String currentConnection) {
        public boolean working() {
            return WORKING.contains(state);
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
        String name = null;
        String target = null;
        String state = null;
        String connection = "";
        boolean inBlock = false;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.equals("import:")) {
                if (inBlock) {
                    add(out, name, target, state, connection);
                }
                inBlock = true;
                name = null;
                target = null;
                state = null;
                connection = "";
            } else if (inBlock && name == null && line.startsWith("name:")) {
                name = value(line);
            } else if (inBlock && target == null && line.startsWith("target:")) {
                target = value(line);
            } else if (inBlock && state == null && line.startsWith("state:")) {
                state = value(line);
            } else if (inBlock && line.startsWith("current_connection:")) {
                connection = value(line);
            }
        }
        if (inBlock) {
            add(out, name, target, state, connection);
        }
        return new LustreImports(out);
    }

    private static void add(List<Import> out, String name, String target, String state, String connection) {
        if (name != null && state != null) {
            out.add(new Import(name, target == null ? name : target, state, connection));
        }
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).strip();
    }

    /** The imports that are not working, e.g. to name them in a volume condition. */
    public List<Import> notWorking() {
        return imports.stream().filter(i -> !i.working()).toList();
    }
}
