#!/usr/bin/env bash
# Turns the RBAC that controller-gen generated from a binary's +kubebuilder:rbac markers into a
# chart template, rendered only when CONDITION holds: the ClusterRole named per release
# namespace, and the Role of the markers with namespace=system (the placeholder for the
# release namespace, as kustomize's namespace transformer replaces it in config/) put in the
# release namespace. Both are labelled. The chart's RBAC so comes from the same markers as
# config/rbac; the bindings are the chart's own templates. With HOOK (e.g. pre-install), the
# roles are Helm hooks of that kind, created before the hook's Job and deleted after it: a
# pre-install hook runs before any ordinary object of the release exists.
#
# usage: chart-rbac.sh ROLE_YAML NAME CONDITION OUTPUT [HOOK]
set -euo pipefail

src=$1 name=$2 cond=$3 out=$4 hook=${5:-}
if [[ $(grep -c '^kind: ClusterRole$' "$src") != 1 ]] || [[ $(grep -c '^kind: Role$' "$src") -gt 1 ]] ||
  [[ $(grep -c '^kind: ' "$src") != $(grep -c '^kind: \(Cluster\)\{0,1\}Role$' "$src") ]]; then
  echo "chart-rbac.sh: $src must hold one ClusterRole and at most one Role" >&2
  exit 1
fi
if grep -q '^  namespace: ' "$src" && grep '^  namespace: ' "$src" | grep -vqx '  namespace: system'; then
  echo "chart-rbac.sh: $src: a namespaced marker must say namespace=system (the release namespace)" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
{
  echo "# Generated from $src by hack/chart-rbac.sh; do not edit."
  echo "{{- if $cond }}"
  awk -v name="$name" -v hook="$hook" '
    function labels() {
      print "  labels:"
      print "    {{- include \"fluxconfig.labels\" . | nindent 4 }}"
      if (hook != "") {
        print "  annotations:"
        print "    helm.sh/hook: " hook
        print "    helm.sh/hook-weight: \"-10\""
        print "    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded,hook-failed"
      }
    }
    /^kind: / { kind = $2 }
    /^metadata:$/ { print; inmeta = 1; next }
    inmeta && /^  name: / && kind == "ClusterRole" {
      print "  name: {{ include \"fluxconfig.clusterName\" (list . \"" name "\") }}"
      labels()
      inmeta = 0
      next
    }
    inmeta && /^  name: / { print "  name: " name; next }
    inmeta && /^  namespace: / {
      print "  namespace: {{ .Release.Namespace }}"
      labels()
      inmeta = 0
      next
    }
    { print }
  ' "$src"
  echo "{{- end }}"
} > "$out"
