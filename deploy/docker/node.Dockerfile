# Lustre CSI node plugin image (DaemonSet, privileged, host network).
# Build from the repository root:
#   docker build -f deploy/docker/node.Dockerfile -t ghcr.io/lustrecsi/lustre-csi-node:0.1.0 .
# Runs as root: mount(2), lnetctl and modprobe need it (the chart makes the container privileged).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl csi-node -am package -DskipTests

# Current LTS JRE on UBI 9, so the Lustre client RPMs built for EL9 install as they are.
FROM eclipse-temurin:25-jre-ubi9-minimal
ARG LUSTRE_VERSION=2.15.5
ARG LUSTRE_EL=el9.4
# Userspace Lustre client tools only (mount.lustre, lctl, lnetctl, lfs): the kernel modules must match the
# node's kernel and come from the host (/lib/modules is mounted read-only), hence --nodeps on kmod-lustre-client.
RUN microdnf install -y util-linux kmod libyaml libnl3 && microdnf clean all \
 && rpm -ivh --nodeps \
      "https://downloads.whamcloud.com/public/lustre/lustre-${LUSTRE_VERSION}/${LUSTRE_EL}/client/RPMS/x86_64/lustre-client-${LUSTRE_VERSION}-1.el9.x86_64.rpm" \
 && for t in mount.lustre lctl lnetctl lfs; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done
COPY --from=build /src/csi-node/target/csi-node-0.1.0-SNAPSHOT-all.jar /opt/lustre-csi/csi-node.jar
# A small, mostly idle JVM (bin/bench node-footprint measures these flags): Serial GC, a small young generation,
# C1 only. The class-data sharing archive is written at the first exit and kept in the plugin's host directory
# (mounted at /csi), so later starts of the pod (restarts, node reboots) map their classes instead of loading them;
# after an upgrade the JVM sees the jar changed and writes a new one.
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn4m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=16m", "-XX:CICompilerCount=1", "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=/csi/csi-node.jsa", "-jar", "/opt/lustre-csi/csi-node.jar"]
