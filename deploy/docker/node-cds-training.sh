#!/bin/bash
# Builds the node plugin's class-data sharing (AppCDS) archive at image build time: starts the plugin with the
# image's JVM flags (JDK_JAVA_OPTIONS), waits until it serves its socket and answers, stops it with SIGTERM as
# kubelet does; the JVM writes every class it loaded to the archive as it exits (-XX:ArchiveClassesAtExit). There
# are no Lustre modules and no API server at build time, so LNet stays not ready; the API client is configured as in
# a cluster (KUBERNETES_SERVICE_HOST, fabric8's in-cluster path) but pointed at a port where nothing listens, so its
# first write (the staged-volume record) fails at connect. That still loads the client, its JSON serialization and
# the JDK HTTP client, which a plugin in a cluster loads in its first second; without them in the archive they are
# parsed and verified from the jar at every start. The archive holds the classes of start-up, gRPC serving, the
# LNet attempt and the API client. bin/bench node-footprint runs this script to train its archive.
#   node-cds-training.sh <jar> <archive>
set -euo pipefail
jar=$1
archive=$2
dir=$(mktemp -d)
KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=1 KUBERNETES_AUTH_TRYKUBECONFIG=false \
  java -XX:ArchiveClassesAtExit="$archive" -jar "$jar" --endpoint "unix://$dir/csi.sock" --node-id image-build \
  --metrics-port=0 --health-check-interval=0 --sysfs-root "$dir" &
pid=$!
for _ in $(seq 1200); do
  [ -S "$dir/csi.sock" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the plugin exited during the training run" >&2; exit 1; }
  sleep 0.1
done
# Let the first LNet attempt (modprobe fails here) and the first background pass run.
sleep 3
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$dir"
[ -s "$archive" ] || { echo "no class-data sharing archive written at $archive" >&2; exit 1; }
echo "class-data sharing archive: $archive ($(stat -c %s "$archive") bytes)"
