package dev.lustrecsi.csi.server;

/**
 * One real dependency of the plugin (LNet up, API server reachable, ...). Probe answers ready
 * only when every check passes; a failing check says why, for the log and the probe's error.
 */
@FunctionalInterface
public interface ReadinessCheck {

    Result check();

    record Result(boolean ready, String detail) {
        public static Result ready(String detail) {
            return new Result(true, detail);
        }

        public static Result notReady(String detail) {
            return new Result(false, detail);
        }
    }
}
