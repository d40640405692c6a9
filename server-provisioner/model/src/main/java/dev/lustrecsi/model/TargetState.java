package dev.lustrecsi.model;

/** The life of one target, as the operator observed it. */
public enum TargetState {
    /** The disk and server are being created, or the server has not booted yet. */
    Pending,
    /** The server holding it is ready (target formatted if blank, mounted, LNet listening). */
    Ready,
    /** Its server was ready before and is not now. */
    Unavailable,
    /** An OST of a warm standby server: formatted, mounted, taking no new objects until put into service. */
    Standby,
    /** An OST being emptied before removal: no new objects, existing ones migrating away. */
    Draining,
    /** An OST that holds no objects and is deactivated; its server may be removed. */
    Drained
}
