package dev.lustrecsi.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the source tree the tests check (the repository root comes from the build, see pom.xml). */
final class RepoFiles {
    static final Path ROOT =
            Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("deploy/chart/lustre-csi");
    static final Path MANIFESTS = ROOT.resolve("deploy/manifests/lustre-csi.yaml");
    static final Path CRD = ROOT.resolve("deploy/crds/lustre.lustrecsi.dev_lustrefilesystems.yaml");
    static final Path VOLUME_CRD = ROOT.resolve("deploy/crds/lustre.lustrecsi.dev_lustrevolumes.yaml");

    static final Path INSTALL_DOC = ROOT.resolve("deploy/README-install.md");
    static final Path EXAMPLES = ROOT.resolve("examples");
    static final Path DOCKERFILES = ROOT.resolve("deploy/docker");

    private RepoFiles() {}

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
