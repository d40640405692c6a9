#!/bin/bash
# Builds the node plugin's class-data sharing (AppCDS) archive at image build time: starts the plugin with the
# image's JVM flags (JDK_JAVA_OPTIONS), makes the calls of its first seconds in a cluster, stops it with SIGTERM as
# kubelet does; the JVM writes every class it loaded to the archive as it exits (-XX:ArchiveClassesAtExit). Classes
# left out of the archive are parsed and verified from the jar at every start, so the training does what a start
# in a cluster does:
# - the API client is configured as in a pod (KUBERNETES_SERVICE_HOST/PORT, fabric8's in-cluster path, a CA file
#   and a bearer token file) and reaches a stand-in API server over TLS (CdsTrainingApiServer, in the jar, with a
#   throwaway self-signed certificate from keytool) that answers the Node get and patch of the first seconds;
# - a CSI client (csi-check, in the jar) calls GetPluginInfo, GetPluginCapabilities, Probe, NodeGetInfo and
#   NodeGetCapabilities, as node-driver-registrar, kubelet and the liveness probe do, so gRPC request handling is
#   archived too. Both clients run in JVMs of their own: their classes do not enter the plugin's archive.
# There are no Lustre modules at build time, so LNet stays not ready. bin/bench node-footprint runs this script to
# train its archive.
#   node-cds-training.sh <jar> <archive>
set -euo pipefail
jar=$1
archive=$2
dir=$(mktemp -d)
plugin=
api=
cleanup() {
  for p in $plugin $api; do kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
# await TEST PATH PID WHAT: waits up to 2 minutes for [ TEST PATH ], failing if process PID ends first.
await() {
  for _ in $(seq 1200); do
    [ "$1" "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || { echo "$4 exited during the training run" >&2; exit 1; }
    sleep 0.1
  done
  echo "$4 did not start" >&2
  exit 1
}

keytool -genkeypair -keystore "$dir/api.p12" -storetype PKCS12 -storepass training -alias api -keyalg EC \
  -groupname secp256r1 -dname CN=127.0.0.1 -ext san=ip:127.0.0.1 -validity 2 2>/dev/null
keytool -exportcert -rfc -keystore "$dir/api.p12" -storepass training -alias api -file "$dir/ca.crt" 2>/dev/null
printf training >"$dir/token"
java -cp "$jar" dev.lustrecsi.node.CdsTrainingApiServer "$dir/api.p12" training "$dir/api.port" &
api=$!
await -s "$dir/api.port" "$api" "the stand-in API server"

KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$(cat "$dir/api.port") KUBERNETES_AUTH_TRYKUBECONFIG=false \
  KUBERNETES_CERTS_CA_FILE="$dir/ca.crt" KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN="$dir/token" \
  java -XX:ArchiveClassesAtExit="$archive" -jar "$jar" --endpoint "unix://$dir/csi.sock" --node-id image-build \
  --metrics-port=0 --health-check-interval=0 --sysfs-root "$dir" &
plugin=$!
await -S "$dir/csi.sock" "$plugin" "the plugin"
# The calls kubelet's side makes; retried while the socket is not yet answering.
for _ in $(seq 30); do
  java -cp "$jar" dev.lustrecsi.csi.tools.CsiCheck --endpoint "unix://$dir/csi.sock" --node >/dev/null && break
  sleep 1
done
# Let the first LNet attempt (modprobe fails here), the API calls and the first background pass run.
sleep 3
kill -TERM "$plugin"
wait "$plugin" || true
plugin=
[ -s "$archive" ] || { echo "no class-data sharing archive written at $archive" >&2; exit 1; }
echo "class-data sharing archive: $archive ($(stat -c %s "$archive") bytes)"
