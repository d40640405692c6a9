{{/* The CSI driver name: fixed, every PV records it. */}}
{{- define "lustre-csi.driverName" -}}lustre.csi.lustrecsi.dev{{- end -}}

{{- define "lustre-csi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name; cluster-scoped objects carry it too so two releases cannot collide. */}}
{{- define "lustre-csi.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains (include "lustre-csi.name" .) .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "lustre-csi.name" .) | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lustre-csi.labels" -}}
app.kubernetes.io/name: {{ include "lustre-csi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: pass (list $ "controller"). */}}
{{- define "lustre-csi.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "lustre-csi.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Image reference: pass (list $ .Values.images.controller). Our images default to the appVersion. */}}
{{- define "lustre-csi.image" -}}
{{- $root := index . 0 -}}
{{- $img := index . 1 -}}
{{- printf "%s:%s" $img.repository (default $root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{- define "lustre-csi.pluginDir" -}}
{{- printf "%s/plugins/%s" (trimSuffix "/" .Values.node.kubeletDir) (include "lustre-csi.driverName" .) -}}
{{- end -}}

{{/* Sidecars only talk over the shared Unix socket (and the API server): no privileges at all. */}}
{{- define "lustre-csi.sidecarSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* The Kubernetes API client's bounds (values: kubernetesClient), as the env vars fabric8 reads. */}}
{{- define "lustre-csi.kubernetesClientEnv" -}}
{{- $k := .Values.kubernetesClient -}}
- name: KUBERNETES_REQUEST_TIMEOUT
  value: {{ $k.requestTimeoutMillis | int | quote }}
- name: KUBERNETES_CONNECTION_TIMEOUT
  value: {{ $k.connectionTimeoutMillis | int | quote }}
- name: KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT
  value: {{ $k.retryBackoffLimit | int | quote }}
- name: KUBERNETES_REQUEST_RETRY_BACKOFFINTERVAL
  value: {{ $k.retryBackoffIntervalMillis | int | quote }}
{{- end }}
