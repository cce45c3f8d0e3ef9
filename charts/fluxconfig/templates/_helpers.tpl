{{/*
Labels of every object of the chart. Our own objects are part-of fluxconfig, never part-of flux:
`flux logs` and `flux check` pick every Deployment labelled part-of=flux (flux2#3944).
*/}}
{{- define "fluxconfig.labels" -}}
app.kubernetes.io/part-of: fluxconfig
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of the upstream Flux controllers, as Flux's own install sets them. */}}
{{- define "fluxconfig.fluxLabels" -}}
app.kubernetes.io/part-of: flux
app.kubernetes.io/instance: {{ .Release.Namespace }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of a cluster-scoped object: suffixed with the release namespace, as Flux names its
ClusterRoles, so that installs in two namespaces do not collide.
*/}}
{{- define "fluxconfig.clusterName" -}}
{{- $ := index . 0 -}}
{{- printf "%s-%s" (index . 1) $.Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* The agent runs only when an endpoint is set. */}}
{{- define "fluxconfig.agentEnabled" -}}
{{- if .Values.agent.endpoint }}true{{ end -}}
{{- end }}

{{- define "fluxconfig.image" -}}
{{- $ := index . 0 -}}{{- $img := index . 1 -}}
{{- printf "%s:%s" $img.repository (default $.Chart.AppVersion $img.tag) -}}
{{- end }}

{{/* Pod fields shared by our Deployments: pull secrets and scheduling. */}}
{{- define "fluxconfig.podScheduling" -}}
{{- $ := index . 0 -}}{{- $c := index . 1 -}}
{{- with $.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
