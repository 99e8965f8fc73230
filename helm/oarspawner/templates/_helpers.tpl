{{/* The chart's name. */}}
{{- define "oarspawner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: the release's, plus the chart's name unless the release holds it already. */}}
{{- define "oarspawner.fullname" -}}
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

{{/* The labels that select the pod. */}}
{{- define "oarspawner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "oarspawner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: service
{{- end }}

{{/* The labels of every object. */}}
{{- define "oarspawner.labels" -}}
{{ include "oarspawner.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jupyterhub
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "oarspawner.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "oarspawner.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
  The configuration the service reads: values.config, with the listening address and port the pod needs.
  Fails on what cannot work in a pod (an ssh-tunnel cluster).
*/}}
{{- define "oarspawner.config" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- $http := get $config "http" | default dict }}
{{- if eq (toString (get $http "openOps")) "false" }}
{{- fail "config.http.openOps must stay true: the kubelet's probes read /health/live and /health/ready, and Prometheus /metrics, without a token" }}
{{- end }}
{{- $_ := set $http "host" "0.0.0.0" }}
{{- $_ := set $http "port" (int .Values.service.port) }}
{{- $_ := set $config "http" $http }}
{{- range $name, $cluster := ($config.clusters | default dict) }}
{{- if eq (toString (get $cluster "reachability")) "ssh-tunnel" }}
{{- fail (printf "config.clusters.%s.reachability: ssh-tunnel listens on the service's own loopback, which the proxy's pod cannot reach; use direct (the proxy must reach the compute nodes)" $name) }}
{{- end }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* The TCP ports the service dials over SSH: each cluster's jump host if it has one, else its frontend (22 by default). */}}
{{- define "oarspawner.sshPorts" -}}
{{- $ports := list }}
{{- range $name, $cluster := (.Values.config.clusters | default dict) }}
{{- $target := $cluster.frontend | default dict }}
{{- with $cluster.jumpHost }}{{ $target = . }}{{ end }}
{{- $ports = append $ports (int (default 22 $target.port)) }}
{{- end }}
{{- $ports | uniq | sortAlpha | join "," }}
{{- end }}

{{/* The port of an http(s) URL: explicit, else 80 or 443. */}}
{{- define "oarspawner.urlPort" -}}
{{- $u := urlParse . }}
{{- $hostport := splitList ":" $u.host }}
{{- if gt (len $hostport) 1 }}{{ last $hostport }}{{ else if eq $u.scheme "https" }}443{{ else }}80{{ end }}
{{- end }}
