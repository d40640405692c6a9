# Lustre CSI node plugin image (DaemonSet, privileged, host network).
# Build from the repository root:
#   docker build -f deploy/docker/node.Dockerfile -t ghcr.io/lustrecsi/lustre-csi-node:0.1.0 .
# Runs as root: mount(2), lnetctl and modprobe need it (the chart makes the container privileged).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl csi-node -am package -DskipTests

# The JRE of the Java release the code targets (17), on UBI 9 so the Lustre client RPMs built for EL9 install as they
# are. Not the current LTS (25) the other images run: the plugin idles on every node, and JDK 25 costs it 9 MiB more
# resident memory with the same flags and archive (libjvm, the JDK's base archive, heap and code; csi-node/README.md).
FROM eclipse-temurin:17-jre-ubi9-minimal
ARG LUSTRE_VERSION=2.15.5
ARG LUSTRE_EL=el9.4
# Userspace Lustre client tools only (mount.lustre, lctl, lnetctl, lfs): the kernel modules must match the
# node's kernel and come from the host (/lib/modules is mounted read-only), hence --nodeps on kmod-lustre-client.
RUN microdnf install -y util-linux kmod libyaml libnl3 && microdnf clean all \
 && rpm -ivh --nodeps \
      "https://downloads.whamcloud.com/public/lustre/lustre-${LUSTRE_VERSION}/${LUSTRE_EL}/client/RPMS/x86_64/lustre-client-${LUSTRE_VERSION}-1.el9.x86_64.rpm" \
 && for t in mount.lustre lctl lnetctl lfs; do command -v "$t" >/dev/null || { echo "missing $t" >&2; exit 1; }; done
COPY --from=build /src/csi-node/target/csi-node-0.1.0-SNAPSHOT-all.jar /opt/lustre-csi/csi-node.jar
# A small, mostly idle JVM (bin/bench node-footprint measures these flags, step by step; csi-node/README.md): Serial
# GC, a small heap and young generation, C1 only with a small code cache, smaller thread stacks, no hsperfdata file.
# The chart passes the same string (values.yaml node.jvmOptions) and may change it; NodeFootprintFlagsTest keeps the
# image, the chart and the benchmark in step.
ENV JDK_JAVA_OPTIONS="-XX:+UseSerialGC -Xms8m -Xmx128m -Xmn2m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -Xss512k -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=16m -XX:CICompilerCount=1 -XX:-UsePerfData"
# Class-data sharing archive built here, from a start of the plugin with these flags (the script says how), so even
# the first start of the pod maps its classes instead of loading them.
COPY deploy/docker/node-cds-training.sh /opt/lustre-csi/node-cds-training.sh
RUN /opt/lustre-csi/node-cds-training.sh /opt/lustre-csi/csi-node.jar /opt/lustre-csi/csi-node.jsa
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/opt/lustre-csi/csi-node.jsa", "-jar", "/opt/lustre-csi/csi-node.jar"]
