package dev.lustrecsi.cli;

import dev.lustrecsi.model.LustreFileSystem;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

/** The LustreFileSystem API as the commands use it, in {@code namespace} (null: every namespace, for listing). */
record FileSystems(KubernetesClient client, String namespace) {

    MixedOperation<LustreFileSystem, KubernetesResourceList<LustreFileSystem>, Resource<LustreFileSystem>> api() {
        return client.resources(LustreFileSystem.class);
    }

    Resource<LustreFileSystem> resource(String name) {
        return api().inNamespace(namespace).withName(name);
    }

    /** The resource, or exit 3 with kubectl's wording. */
    LustreFileSystem require(String name) {
        LustreFileSystem fs = resource(name).get();
        if (fs == null) {
            throw CliException.notFound(namespace, name);
        }
        return fs;
    }
}
