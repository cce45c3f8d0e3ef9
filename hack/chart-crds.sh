#!/usr/bin/env bash
# Copies CRDs into the chart as templates rendered only when CONDITION holds, with
# helm.sh/resource-policy: keep when crds.keep (Helm never upgrades a chart's crds/ folder),
# and with the labels of the LABELS template (a name defined in _helpers.tpl) when given.
#
# usage: chart-crds.sh SRC_DIR DST_DIR [CONDITION] [LABELS]
set -euo pipefail

src=${1:-config/crd/bases}
dst=${2:-charts/fluxconfig/templates/crds}
cond=${3:-.Values.crds.enabled}
labels=${4:-}
mkdir -p "$dst"
rm -f "$dst"/*.yaml
for crd in "$src"/*.yaml; do
  out="$dst/$(basename "$crd")"
  {
    # Only the file name: SRC_DIR may be a machine-specific cache.
    echo "# Generated from $(basename "$crd") by hack/chart-crds.sh; do not edit."
    echo "{{- if $cond }}"
    awk -v labels="$labels" '
      /^metadata:$/ && labels != "" && !labelled {
        print
        print "  labels:"
        print "    {{- include \"" labels "\" . | nindent 4 }}"
        labelled = 1
        next
      }
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
