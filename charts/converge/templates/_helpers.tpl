{{/* The chart name, or nameOverride. */}}
{{- define "converge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the chart's resources: fullnameOverride, else "<release>-<name>", else the
release name alone when it already contains the chart name. Truncated to 63 characters (DNS
label limit).
*/}}
{{- define "converge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "converge-0.1.0", the helm.sh/chart label. */}}
{{- define "converge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels every resource carries. */}}
{{- define "converge.labels" -}}
helm.sh/chart: {{ include "converge.chart" . }}
{{ include "converge.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: converge
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels that select the operator Pods; never change them (Deployment selectors are immutable). */}}
{{- define "converge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "converge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "converge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "converge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret of accepted API tokens: the existing one, else the chart's. */}}
{{- define "converge.apiTokenSecret" -}}
{{- default (printf "%s-api-token" (include "converge.fullname" .)) .Values.api.token.existingSecret }}
{{- end }}

{{/* The Secret of webhook shared secrets: the existing one, else the chart's. */}}
{{- define "converge.webhookSecret" -}}
{{- default (printf "%s-webhook-secrets" (include "converge.fullname" .)) .Values.webhooks.secrets.existingSecret }}
{{- end }}

{{/* The namespaces of namespaced mode, one per line: rbac.namespaces, else the release's. */}}
{{- define "converge.watchedNamespaces" -}}
{{- if .Values.rbac.namespaces }}
{{- range .Values.rbac.namespaces }}
{{ . }}
{{- end }}
{{- else }}
{{ .Release.Namespace }}
{{- end }}
{{- end }}

{{/* Where repository Secrets are read and, by default, the leader election Lease lives. */}}
{{- define "converge.credentialsNamespace" -}}
{{- default .Release.Namespace .Values.controller.credentialsNamespace }}
{{- end }}

{{- define "converge.leaseNamespace" -}}
{{- default (include "converge.credentialsNamespace" .) .Values.leaderElection.namespace }}
{{- end }}

{{/* A random secret kept across upgrades: the value under `key` of the live Secret `name` (base64, as stored), else a new one. */}}
{{- define "converge.keptSecret" -}}
{{- $live := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $live $live.data (hasKey $live.data .key) }}
{{- index $live.data .key }}
{{- else }}
{{- randAlphaNum 40 | b64enc }}
{{- end }}
{{- end }}
