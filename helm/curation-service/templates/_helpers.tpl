{{/*
Expand the name of the chart.
*/}}
{{- define "curation-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "curation-service.fullname" -}}
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

{{/*
The headless Service's name (DNS for client-side gRPC load balancing). Truncated so that the suffix fits.
*/}}
{{- define "curation-service.headlessName" -}}
{{- printf "%s-headless" (include "curation-service.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "curation-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "curation-service.labels" -}}
helm.sh/chart: {{ include "curation-service.chart" . }}
{{ include "curation-service.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "curation-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "curation-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "curation-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "curation-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: image.tag, or the chart's appVersion when the tag is empty.
*/}}
{{- define "curation-service.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
REDIS_URL for the container, or nothing (the service then caches in process only). An existing Secret wins
over a plain URL, so credentials never need to sit in values.
*/}}
{{- define "curation-service.redisEnv" -}}
{{- if .Values.redis.existingSecret -}}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
{{- else if .Values.redis.url -}}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- end }}

{{/*
Fail the render when the pod would be killed before the service's own graceful shutdown can finish:
the kubelet sends SIGKILL terminationGracePeriodSeconds after the preStop hook starts.
*/}}
{{- define "curation-service.checkGracePeriod" -}}
{{- $need := add (int .Values.lifecycle.preStopSleepSeconds) (.Values.config.shutdownGraceSeconds | ceil | int) }}
{{- if le (int .Values.terminationGracePeriodSeconds) $need }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds + config.shutdownGraceSeconds (%d)" (int .Values.terminationGracePeriodSeconds) $need) }}
{{- end }}
{{- end }}

{{/*
The Secret holding the cache signing keys: the existing one, or the chart's own (when keys are given or
generated). Empty when there is none: each pod then signs with a random key of its own.
*/}}
{{- define "curation-service.signingSecretName" -}}
{{- if .Values.cacheSigning.existingSecret -}}
{{ .Values.cacheSigning.existingSecret }}
{{- else if or .Values.cacheSigning.keys .Values.cacheSigning.generate -}}
{{ include "curation-service.fullname" . }}-signing
{{- end }}
{{- end }}

{{- define "curation-service.signingSecretKey" -}}
{{- if .Values.cacheSigning.existingSecret -}}
{{ .Values.cacheSigning.existingSecretKey }}
{{- else -}}
signing-keys
{{- end }}
{{- end }}

{{/*
Fail the render when a Gateway API route is enabled without a Gateway to attach it to.
*/}}
{{- define "curation-service.checkParentRefs" -}}
{{- if not .Values.gateway.parentRefs }}
{{- fail "gateway.httpRoute / gateway.grpcRoute need gateway.parentRefs (the Gateway to attach the route to)" }}
{{- end }}
{{- end }}

{{/*
The Secret holding the API keys file: the existing one, else <fullname>-api-keys (created by the chart
when auth.apiKeys.keys is not empty, else the operator's to create). Empty when API keys are off.
*/}}
{{- define "curation-service.apiKeysSecretName" -}}
{{- if .Values.auth.apiKeys.enabled -}}
{{- .Values.auth.apiKeys.existingSecret | default (printf "%s-api-keys" (include "curation-service.fullname" . | trunc 54 | trimSuffix "-")) }}
{{- end }}
{{- end }}

{{- define "curation-service.apiKeysSecretKey" -}}
{{- if .Values.auth.apiKeys.existingSecret -}}
{{ .Values.auth.apiKeys.existingSecretKey }}
{{- else -}}
keys.json
{{- end }}
{{- end }}

{{/*
The probe handler for path $path on port http: HTTPS with TLS, a TCP check with mutual TLS (the kubelet
has no client certificate), plain HTTP otherwise. Call with (dict "root" $ "path" "/healthz").
*/}}
{{- define "curation-service.httpProbe" -}}
{{- if and .root.Values.tls.enabled .root.Values.tls.mutual -}}
tcpSocket:
  port: http
{{- else -}}
httpGet:
  path: {{ .path }}
  port: http
  {{- if .root.Values.tls.enabled }}
  scheme: HTTPS
  {{- end }}
{{- end }}
{{- end }}
