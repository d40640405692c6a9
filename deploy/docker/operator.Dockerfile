# Lustre server-provisioner (operator) image. It only talks to the API server (and, through it, to the
# server VMs with `virtctl ssh`), so it runs as an unprivileged user.
# Build from the repository root:
#   docker build -f deploy/docker/operator.Dockerfile -t ghcr.io/lustrecsi/lustre-server-provisioner:0.1.0 .

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -pl server-provisioner/operator -am package -DskipTests

FROM eclipse-temurin:25-jre
ARG KUBEVIRT_VERSION=v1.6.0
# virtctl ssh tunnels through the KubeVirt API and uses the local OpenSSH client.
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client ca-certificates curl \
 && curl -fsSLo /usr/local/bin/virtctl \
      "https://github.com/kubevirt/kubevirt/releases/download/${KUBEVIRT_VERSION}/virtctl-${KUBEVIRT_VERSION}-linux-amd64" \
 && chmod 0755 /usr/local/bin/virtctl \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/server-provisioner/operator/target/server-provisioner-0.1.0-SNAPSHOT-all.jar /opt/lustre-csi/server-provisioner.jar
# The same non-root uid the chart's securityContext sets (runAsUser 65532).
USER 65532:65532
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/lustre-csi/server-provisioner.jar"]
