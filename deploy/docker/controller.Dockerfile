# Lustre CSI controller plugin image (Deployment with the provisioner/resizer sidecars).
# Build from the repository root:
#   docker build -f deploy/docker/controller.Dockerfile -t ghcr.io/lustrecsi/lustre-csi-controller:0.1.0 .
# Runs as root: the controller mounts pool filesystems to create volume directories and set project
# quotas with lfs (the chart makes the container privileged).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl csi-controller -am package -DskipTests

FROM eclipse-temurin:25-jre-ubi9-minimal
ARG LUSTRE_VERSION=2.15.5
ARG LUSTRE_EL=el9.4
# Userspace Lustre client tools (mount.lustre, lfs); kernel modules come from the host.
RUN microdnf install -y util-linux kmod libyaml libnl3 && microdnf clean all \
 && rpm -ivh --nodeps \
      "https://downloads.whamcloud.com/public/lustre/lustre-${LUSTRE_VERSION}/${LUSTRE_EL}/client/RPMS/x86_64/lustre-client-${LUSTRE_VERSION}-1.el9.x86_64.rpm" \
 && for t in mount.lustre lfs; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done
COPY --from=build /src/csi-controller/target/csi-controller-0.1.0-SNAPSHOT-all.jar /opt/lustre-csi/csi-controller.jar
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-XX:MaxRAMPercentage=75", "-jar", "/opt/lustre-csi/csi-controller.jar"]
