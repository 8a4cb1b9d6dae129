{{/* Names and labels shared by every template. */}}

{{- /* fullnameOverride; else <release>-operator when the release name already says lighthouse (or nameOverride), else <release>-<name>-operator. */ -}}
{{- define "lighthouse.fullname" -}}
{{- $name := default "lighthouse" .Values.nameOverride -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains $name .Release.Name -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s-operator" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- /* The metrics Service: a Service name is a DNS-1035 label (at most 63 characters), suffix included. */ -}}
{{- define "lighthouse.metricsServiceName" -}}
{{- printf "%s-metrics" (include "lighthouse.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "lighthouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "lighthouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "lighthouse.selectorLabels" -}}
app.kubernetes.io/name: lighthouse-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lighthouse.labels" -}}
{{ include "lighthouse.selectorLabels" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: lighthouse
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- /* repository:tag, or repository@digest when a digest pins the image (the tag is then ignored). */ -}}
{{- define "lighthouse.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- /* Combinations the schema cannot express, refused with a message saying why. */ -}}
{{- define "lighthouse.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) -}}
{{- fail (printf "replicaCount %d needs leaderElection.enabled=true: without a Lease every replica reconciles, and they fight over the same resources" (int .Values.replicaCount)) -}}
{{- end -}}
{{- range $i, $e := .Values.extraEnv -}}
{{- if has $e.name (list "WATCH_NAMESPACES" "LEADER_ELECTION" "LEADER_ELECTION_NAMESPACE" "LEADER_ELECTION_ID" "POD_NAME" "METRICS_PORT" "LOG_LEVEL") -}}
{{- fail (printf "extraEnv[%d]: %s is set by the chart (from watchNamespaces, leaderElection, metrics.port, logLevel or the pod); set those values instead" $i $e.name) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (gt (int .Values.replicaCount) 1) (ge (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) -}}
{{- fail (printf "podDisruptionBudget.minAvailable %d must be below replicaCount %d, or no operator pod could ever be evicted (node drains would hang)" (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) -}}
{{- end -}}
{{- end -}}
