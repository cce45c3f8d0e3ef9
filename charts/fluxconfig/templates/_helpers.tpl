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

{{/*
POD_NAMESPACE: the release namespace, which the controller and the agent always add to the
protected namespaces.
*/}}
{{- define "fluxconfig.podNamespaceEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- end }}

{{/* Whether proxy.caBundle names a ConfigMap or Secret. */}}
{{- define "fluxconfig.proxyCA" -}}
{{- $ca := .Values.proxy.caBundle }}
{{- if and $ca.configMapName $ca.secretName }}{{ fail "set at most one of proxy.caBundle.configMapName and proxy.caBundle.secretName" }}{{ end }}
{{- if or $ca.configMapName $ca.secretName }}true{{ end }}
{{- end }}

{{/*
The proxy settings of a container that talks out. NO_PROXY always holds the API server's
address (a service variable, expanded by the kubelet) and the cluster's service domains, so
in-cluster traffic never reaches the proxy. An extra CA goes into SSL_CERT_DIR next to the
system directories, so Go trusts it besides the system roots instead of in their place.
*/}}
{{- define "fluxconfig.proxyEnv" -}}
{{- $p := .Values.proxy }}
{{- if $p.httpsProxy }}
- name: HTTPS_PROXY
  value: {{ $p.httpsProxy | quote }}
{{- end }}
{{- if $p.httpProxy }}
- name: HTTP_PROXY
  value: {{ $p.httpProxy | quote }}
{{- end }}
{{- if or $p.httpsProxy $p.httpProxy }}
- name: NO_PROXY
  value: {{ join "," (compact (list $p.noProxy "$(KUBERNETES_SERVICE_HOST)" ".svc" ".cluster.local" ".cluster.local.")) | quote }}
{{- end }}
{{- if include "fluxconfig.proxyCA" . }}
- name: SSL_CERT_DIR
  value: /etc/ssl/certs:/etc/pki/tls/certs:/var/run/fluxconfig/proxy-ca
{{- end }}
{{- end }}

{{- define "fluxconfig.proxyVolumeMounts" -}}
{{- if include "fluxconfig.proxyCA" . }}
- name: proxy-ca
  mountPath: /var/run/fluxconfig/proxy-ca
  readOnly: true
{{- end }}
{{- end }}

{{- define "fluxconfig.proxyVolumes" -}}
{{- $ca := .Values.proxy.caBundle }}
{{- if $ca.secretName }}
- name: proxy-ca
  secret:
    secretName: {{ $ca.secretName }}
    items:
      - key: {{ $ca.key }}
        path: proxy-ca.crt
{{- else if $ca.configMapName }}
- name: proxy-ca
  configMap:
    name: {{ $ca.configMapName }}
    items:
      - key: {{ $ca.key }}
        path: proxy-ca.crt
{{- end }}
{{- end }}

{{/*
A Flux controller's ServiceAccount annotations: its own, and with workloadIdentity.enable the
client ID, for the controllers that fetch sources. Arguments: $, the controller's values, and
whether it fetches sources.
*/}}
{{- define "fluxconfig.fluxServiceAccountAnnotations" -}}
{{- $ := index . 0 }}{{ $v := index . 1 }}{{ $fetches := index . 2 }}
{{- $a := deepCopy (default dict $v.serviceAccount.annotations) }}
{{- if and $fetches $.Values.workloadIdentity.enable }}
{{- $_ := set $a "azure.workload.identity/client-id" $.Values.workloadIdentity.clientId }}
{{- end }}
{{- with $a }}{{ toYaml . }}{{ end }}
{{- end }}

{{/* A Flux controller's pod labels: its own, and the workload identity label. */}}
{{- define "fluxconfig.fluxPodLabels" -}}
{{- $ := index . 0 }}{{ $v := index . 1 }}{{ $fetches := index . 2 }}
{{- $l := deepCopy (default dict $v.podLabels) }}
{{- if and $fetches $.Values.workloadIdentity.enable }}
{{- $_ := set $l "azure.workload.identity/use" "true" }}
{{- end }}
{{- with $l }}{{ toYaml . }}{{ end }}
{{- end }}

{{/*
The agent's readiness probe path: /readyz without the checks agent.readinessChecks leaves out.
*/}}
{{- define "fluxconfig.agentReadinessPath" -}}
{{- $excluded := list -}}
{{- range list "upstream" "prune" -}}
{{- if not (has . $.Values.agent.readinessChecks) -}}
{{- $excluded = append $excluded (printf "exclude=%s" .) -}}
{{- end -}}
{{- end -}}
/readyz{{ if $excluded }}?{{ join "&" $excluded }}{{ end }}
{{- end }}
