package dev.lustrecsi.node;

/** Where the node plugin tells the users of a pod what happened to its Lustre volume: Events on the pod. */
public interface PodEvents {

    /** A Kubernetes Event on the pod with this UID, if such a pod is on this node. */
    void record(String podUid, EventType type, String reason, String message);

    enum EventType {
        Normal,
        Warning
    }

    /** For a plugin without API access (e.g. run outside a cluster): the log is all there is. */
    PodEvents NONE = (uid, type, reason, message) -> {};
}
