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

{{/* Where the password file is mounted with credentials.dbPasswordFrom: file. */}}
{{- define "market-bars.dbPasswordDir" -}}
/etc/market-bars/credentials
{{- end }}

{{/*
The database password, by reference to the Secret only: BARS_DB_PASSWORD from it, or with
credentials.dbPasswordFrom "file" BARS_DB_PASSWORD_FILE naming the mounted key (the job reads
the file at every connect, so a rotated Secret needs no restart).
*/}}
{{- define "market-bars.dbPasswordEnv" -}}
{{- if eq .Values.credentials.dbPasswordFrom "file" }}
- name: BARS_DB_PASSWORD_FILE
  value: {{ printf "%s/db-password" (include "market-bars.dbPasswordDir" .) | quote }}
{{- else }}
- name: BARS_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "market-bars.secretName" . }}
      key: {{ .Values.credentials.dbPasswordKey }}
{{- end }}
{{- end }}

{{/*
Database volumes (Flink and migration pods): the password file (only the password's key of the
credentials Secret) and PostgreSQL's CA certificate. Whole Secret volumes, no subPath: the kubelet
updates their files when the Secret changes.
*/}}
{{- define "market-bars.dbVolumes" -}}
{{- if eq .Values.credentials.dbPasswordFrom "file" }}
- name: db-password
  secret:
    secretName: {{ include "market-bars.secretName" . }}
    items:
      - key: {{ .Values.credentials.dbPasswordKey }}
        path: db-password
    defaultMode: 288 # 0440: the owner and fsGroup (flink, 9999) only
{{- end }}
{{- with .Values.tls.database.caSecret }}
- name: db-tls
  secret:
    secretName: {{ . }}
    items:
      - key: {{ $.Values.tls.database.caKey }}
        path: {{ $.Values.tls.database.caKey }}
{{- end }}
{{- end }}

{{- define "market-bars.dbVolumeMounts" -}}
{{- if eq .Values.credentials.dbPasswordFrom "file" }}
- name: db-password
  mountPath: {{ include "market-bars.dbPasswordDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.tls.database.caSecret }}
- name: db-tls
  mountPath: /etc/market-bars/tls/database
  readOnly: true
{{- end }}
{{- end }}

{{/* The Kafka trust store (and key store) Secret, in the Flink pods. */}}
{{- define "market-bars.kafkaVolumes" -}}
{{- with .Values.tls.kafka.secret }}
- name: kafka-tls
  secret:
    secretName: {{ . }}
    defaultMode: 288 # 0440
{{- end }}
{{- end }}

{{- define "market-bars.kafkaVolumeMounts" -}}
{{- if .Values.tls.kafka.secret }}
- name: kafka-tls
  mountPath: /etc/market-bars/tls/kafka
  readOnly: true
{{- end }}
{{- end }}

{{/* Kafka store settings the chart derives from tls.kafka: property -> value. */}}
{{- define "market-bars.kafkaTlsProperties" -}}
{{- $p := dict }}
{{- $k := .Values.tls.kafka }}
{{- if $k.secret }}
{{- $_ := set $p "ssl.truststore.location" (printf "/etc/market-bars/tls/kafka/%s" $k.trustStoreKey) }}
{{- $_ := set $p "ssl.truststore.type" $k.trustStoreType }}
{{- if $k.keyStoreKey }}
{{- $_ := set $p "ssl.keystore.location" (printf "/etc/market-bars/tls/kafka/%s" $k.keyStoreKey) }}
{{- $_ := set $p "ssl.keystore.type" $k.keyStoreType }}
{{- end }}
{{- end }}
{{- range $property, $_ := $p }}
{{- if hasKey $.Values.kafkaProperties $property }}
{{- fail (printf "kafkaProperties.%s is set by tls.kafka; remove it from kafkaProperties" $property) }}
{{- end }}
{{- end }}
{{- toYaml $p }}
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
{{- if .Values.tls.kafka.secret }}
{{- range $property, $value := (include "market-bars.kafkaTlsProperties" . | fromYaml) }}
- name: {{ include "market-bars.kafkaEnvName" $property }}
  value: {{ $value | toString | quote }}
{{- end }}
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
