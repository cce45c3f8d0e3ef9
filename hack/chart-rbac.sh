#!/usr/bin/env bash
# Turns a ClusterRole that controller-gen generated from a binary's +kubebuilder:rbac markers
# into a chart template: named per release namespace, labelled, and rendered only when CONDITION
# holds. The chart's RBAC so comes from the same markers as config/rbac.
#
# usage: chart-rbac.sh ROLE_YAML NAME CONDITION OUTPUT
set -euo pipefail

src=$1 name=$2 cond=$3 out=$4
if [[ $(grep -c '^kind: ' "$src") != 1 ]] || ! grep -q '^kind: ClusterRole$' "$src"; then
  echo "chart-rbac.sh: $src must hold exactly one ClusterRole" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
{
  echo "# Generated from $src by hack/chart-rbac.sh; do not edit."
  echo "{{- if $cond }}"
  awk -v name="$name" '
    /^metadata:$/ { print; inmeta = 1; next }
    inmeta && /^  name: / {
      print "  name: {{ include \"fluxconfig.clusterName\" (list . \"" name "\") }}"
      print "  labels:"
      print "    {{- include \"fluxconfig.labels\" . | nindent 4 }}"
      inmeta = 0
      next
    }
    { print }
  ' "$src"
  echo "{{- end }}"
} > "$out"
