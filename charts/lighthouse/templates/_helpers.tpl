{{/* Names and labels shared by every template. */}}

{{- /* <release>-operator when the release name already says lighthouse, else <release>-lighthouse-operator. */ -}}
{{- define "lighthouse.fullname" -}}
{{- if contains "lighthouse" .Release.Name -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-lighthouse-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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

{{- define "lighthouse.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
