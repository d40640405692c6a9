package dev.lustrecsi.csi.server;

/**
 * One real dependency of the plugin (LNet up, API server reachable, ...). Probe answers ready
 * only when every check passes; a failing check says why, for the log and the probe's error.
 */
@FunctionalInterface
public interface ReadinessCheck {

    Result check();

    /** A periodic task's readiness: not ready while a pass is stuck or none ran for too long. */
    static ReadinessCheck of(dev.lustrecsi.periodic.PeriodicTask task) {
        return () -> {
            dev.lustrecsi.periodic.PeriodicTask.Readiness.Result r =
                    task.readiness().check();
            return new Result(r.ready(), r.detail());
        };
    }

    record Result(boolean ready, String detail) {
        public static Result ready(String detail) {
            return new Result(true, detail);
        }

        public static Result notReady(String detail) {
            return new Result(false, detail);
        }
    }
}
