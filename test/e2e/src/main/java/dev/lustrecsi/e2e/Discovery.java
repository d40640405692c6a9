package dev.lustrecsi.e2e;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The API discovery documents kubectl reads before anything else ({@code /api}, {@code /apis}, one resource list per
 * group version). fabric8's mock server has none, so the proxy in front of it answers them for the resources this
 * product uses; everything else goes to the mock server.
 */
final class Discovery {
    private record Resource(
            String groupVersion, String plural, String singular, String kind, boolean namespaced, String shortName) {
        String json() {
            return "{\"name\":\"" + plural + "\",\"singularName\":\"" + singular + "\",\"namespaced\":" + namespaced
                    + ",\"kind\":\"" + kind
                    + "\",\"verbs\":[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\","
                    + "\"patch\",\"update\",\"watch\"]"
                    + (shortName == null ? "" : ",\"shortNames\":[\"" + shortName + "\"]")
                    + "}";
        }
    }

    private static final List<Resource> RESOURCES = List.of(
            new Resource("v1", "namespaces", "namespace", "Namespace", false, "ns"),
            new Resource("v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, "pv"),
            new Resource("v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, "pvc"),
            new Resource("v1", "configmaps", "configmap", "ConfigMap", true, "cm"),
            new Resource("v1", "events", "event", "Event", true, "ev"),
            new Resource("v1", "nodes", "node", "Node", false, "no"),
            new Resource("storage.k8s.io/v1", "storageclasses", "storageclass", "StorageClass", false, "sc"),
            new Resource(
                    "lustre.lustrecsi.dev/v1alpha1",
                    "lustrefilesystems",
                    "lustrefilesystem",
                    "LustreFileSystem",
                    true,
                    "lustrefs"),
            new Resource("lustre.lustrecsi.dev/v1alpha1", "lustrevolumes", "lustrevolume", "LustreVolume", true, null),
            new Resource("kubevirt.io/v1", "virtualmachines", "virtualmachine", "VirtualMachine", true, "vm"),
            new Resource(
                    "kubevirt.io/v1",
                    "virtualmachineinstances",
                    "virtualmachineinstance",
                    "VirtualMachineInstance",
                    true,
                    "vmi"));

    private Discovery() {}

    /** Path to JSON body. */
    static Map<String, String> documents() {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put(
                "/api",
                "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                        + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}");
        Map<String, List<Resource>> byGroupVersion = RESOURCES.stream()
                .collect(Collectors.groupingBy(Resource::groupVersion, LinkedHashMap::new, Collectors.toList()));
        StringBuilder groups = new StringBuilder();
        byGroupVersion.forEach((gv, resources) -> {
            String path = gv.equals("v1") ? "/api/v1" : "/apis/" + gv;
            docs.put(
                    path,
                    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" + gv
                            + "\",\"resources\":["
                            + resources.stream().map(Resource::json).collect(Collectors.joining(",")) + "]}");
            if (!gv.equals("v1")) {
                String group = gv.substring(0, gv.indexOf('/'));
                String version = gv.substring(gv.indexOf('/') + 1);
                String v = "{\"groupVersion\":\"" + gv + "\",\"version\":\"" + version + "\"}";
                docs.put(
                        "/apis/" + group,
                        "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"" + group + "\",\"versions\":[" + v
                                + "],\"preferredVersion\":" + v + "}");
                groups.append(groups.length() == 0 ? "" : ",")
                        .append("{\"name\":\"")
                        .append(group)
                        .append("\",\"versions\":[")
                        .append(v)
                        .append("],\"preferredVersion\":")
                        .append(v)
                        .append("}");
            }
        });
        docs.put("/apis", "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + groups + "]}");
        docs.put(
                "/version",
                "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-lustre-csi-local\","
                        + "\"platform\":\"linux/amd64\"}");
        return docs;
    }
}
