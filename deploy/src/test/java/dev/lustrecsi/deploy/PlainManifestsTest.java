package dev.lustrecsi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** The plain manifests are the chart rendered with defaults; the chart carries the operator's CRD unchanged. */
class PlainManifestsTest {

    @Test
    void committedManifestsEqualAFreshRenderOfTheChart() {
        String expected = RepoFiles.read(RepoFiles.ROOT.resolve("deploy/manifests/namespace.yaml")) + Helm.template();
        assertThat(RepoFiles.read(RepoFiles.MANIFESTS))
                .as("deploy/manifests/lustre-csi.yaml is stale: run deploy/render-manifests")
                .isEqualTo(expected);
    }

    @Test
    void chartInstallsTheCrdsExactlyAsDeployCrdsDefinesThem() throws Exception {
        // deploy/crds/ holds LustreFileSystem (the operator's) and LustreVolume (the controller's records); the
        // chart's crds/ is a link to it, so they cannot drift.
        assertThat(RepoFiles.CHART.resolve("crds").toRealPath())
                .isEqualTo(RepoFiles.CRD.getParent().toRealPath());
        CustomResourceDefinition fileSystems =
                Serialization.unmarshal(RepoFiles.read(RepoFiles.CRD), CustomResourceDefinition.class);
        CustomResourceDefinition volumes =
                Serialization.unmarshal(RepoFiles.read(RepoFiles.VOLUME_CRD), CustomResourceDefinition.class);
        Rendered withCrds = Rendered.parse(Helm.template("--include-crds"));
        assertThat(withCrds.all(CustomResourceDefinition.class)).containsExactlyInAnyOrder(fileSystems, volumes);
    }

    @Test
    void manifestsCreateTheNamespaceFirstAndLeaveTheCrdToDeployCrds() {
        Rendered r = Rendered.parse(RepoFiles.read(RepoFiles.MANIFESTS));
        HasMetadata first = r.objects.get(0);
        assertThat(first).isInstanceOf(Namespace.class);
        assertThat(first.getMetadata().getName()).isEqualTo(Helm.NAMESPACE);
        assertThat(r.all(CustomResourceDefinition.class)).isEmpty();
        // All in the namespace it creates, but the operator's read-only Role on node Leases and its binding.
        assertThat(r.objects)
                .filteredOn(o -> o.getMetadata().getNamespace() != null)
                .filteredOn(o -> !"kube-node-lease".equals(o.getMetadata().getNamespace()))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(Helm.NAMESPACE));
        assertThat(r.objects)
                .filteredOn(o -> "kube-node-lease".equals(o.getMetadata().getNamespace()))
                .extracting(o -> o.getMetadata().getName())
                .containsOnly(Helm.RELEASE + "-operator-node-leases");
    }
}
