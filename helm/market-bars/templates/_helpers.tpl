{{/* Chart name, overridable. */}}
{{- define "market-bars.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: also the FlinkDeployment name, which Flink uses as kubernetes.cluster-id and
in the names of the services and ConfigMaps it creates, hence at most 45 characters.
*/}}
{{- define "market-bars.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "market-bars.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every resource carries. */}}
{{- define "market-bars.labels" -}}
helm.sh/chart: {{ include "market-bars.chart" . }}
{{ include "market-bars.selectorLabels" . }}
app.kubernetes.io/version: {{ include "market-bars.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: market-bars
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select this release's pods. */}}
{{- define "market-bars.selectorLabels" -}}
app.kubernetes.io/name: {{ include "market-bars.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The image tag: image.tag or the chart's appVersion. */}}
{{- define "market-bars.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* The image reference, pinned by digest when one is given. */}}
{{- define "market-bars.image" -}}
{{- $ref := printf "%s:%s" .Values.image.repository (include "market-bars.imageTag" .) }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $ref .Values.image.digest }}
{{- else }}
{{- $ref }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the credentials: the existing one or the one the chart creates. */}}
{{- define "market-bars.secretName" -}}
{{- if .Values.credentials.existingSecret }}
{{- .Values.credentials.existingSecret }}
{{- else }}
{{- printf "%s-credentials" (include "market-bars.fullname" .) }}
{{- end }}
{{- end }}

{{/* Secret Kafka properties as a dict property -> key in the Secret. */}}
{{- define "market-bars.kafkaSecretKeys" -}}
{{- $keys := dict }}
{{- if .Values.credentials.existingSecret }}
{{- range $property, $key := .Values.credentials.existingSecretKafkaKeys }}
{{- $_ := set $keys $property $key }}
{{- end }}
{{- else }}
{{- range $property, $value := .Values.credentials.kafka }}
{{- $_ := set $keys $property (printf "kafka.%s" $property) }}
{{- end }}
{{- end }}
{{- toYaml $keys }}
{{- end }}

{{/* Environment variable that the job turns into a Kafka client property (JobOptions). */}}
{{- define "market-bars.kafkaEnvName" -}}
{{- printf "KAFKA_%s" (. | upper | replace "." "_") }}
{{- end }}

{{/* The database password, by reference to the Secret only (the job reads BARS_DB_PASSWORD). */}}
{{- define "market-bars.dbPasswordEnv" -}}
- name: BARS_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "market-bars.secretName" . }}
      key: {{ .Values.credentials.dbPasswordKey }}
{{- end }}

{{/*
Kafka client settings as KAFKA_<PROPERTY> variables (JobOptions turns them back into client
properties): secret ones by reference to the Secret, the rest (kafkaProperties) as plain values.
*/}}
{{- define "market-bars.kafkaEnv" -}}
{{- $secret := include "market-bars.secretName" . }}
{{- range $property, $key := (include "market-bars.kafkaSecretKeys" . | fromYaml) }}
- name: {{ include "market-bars.kafkaEnvName" $property }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- range $property, $value := .Values.kafkaProperties }}
- name: {{ include "market-bars.kafkaEnvName" $property }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Pod-level security context of the restricted Pod Security Standard (uid 9999 = flink in the official image). */}}
{{- define "market-bars.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 9999
runAsGroup: 9999
fsGroup: 9999
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security context of the restricted Pod Security Standard. */}}
{{- define "market-bars.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 9999
runAsGroup: 9999
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The job's command-line options from job.options (empty values leave the job's default). */}}
{{- define "market-bars.jobArgs" -}}
{{- range $name, $value := .Values.job.options }}
{{- if not (eq (toString $value) "") }}
- {{ printf "--%s" $name | quote }}
- {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- range .Values.job.extraArgs }}
- {{ . | toString | quote }}
{{- end }}
{{- end }}

{{/*
Labels Flink's native Kubernetes mode puts on the JobManager and TaskManager pods it creates
(app=<kubernetes.cluster-id>, which the operator sets to the FlinkDeployment's name;
component=jobmanager|taskmanager on top). They select this cluster's pods only.
*/}}
{{- define "market-bars.flinkPodLabels" -}}
app: {{ include "market-bars.fullname" . }}
type: flink-native-kubernetes
{{- end }}

{{/* The JobManager's REST port: rest.port from flink.configuration, else Flink's default 8081. */}}
{{- define "market-bars.restPort" -}}
{{- index .Values.flink.configuration "rest.port" | default 8081 | int }}
{{- end }}
