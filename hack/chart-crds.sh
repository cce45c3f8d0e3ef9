#!/usr/bin/env bash
# Copies the generated CRDs into the chart as templates gated by crds.enabled, with
# helm.sh/resource-policy: keep when crds.keep (Helm never upgrades a chart's crds/ folder).
set -euo pipefail

src=${1:-config/crd/bases}
dst=${2:-charts/fluxconfig/templates/crds}
mkdir -p "$dst"
rm -f "$dst"/*.yaml
for crd in "$src"/*.yaml; do
  out="$dst/$(basename "$crd")"
  {
    echo "# Generated from $crd by hack/chart-crds.sh; do not edit."
    echo "{{- if .Values.crds.enabled }}"
    awk '
      { print }
      /^  annotations:$/ && !done {
        print "    {{- if .Values.crds.keep }}"
        print "    helm.sh/resource-policy: keep"
        print "    {{- end }}"
        done = 1
      }
    ' "$crd"
    echo "{{- end }}"
  } > "$out"
done
