#!/usr/bin/env bash
# Builds a Go binary whose module carries replace directives (so `go install` refuses it)
# through a throwaway wrapper module, and caches the result at OUTPUT.
#
# usage: build-go-tool.sh OUTPUT MODULE VERSION PACKAGE [LDFLAGS] [REPLACE...]
#   REPLACE entries are "old=>new version" lines added verbatim to the wrapper go.mod.
#   With AUTO_STAGING=1 every k8s.io/<name> v0.0.0 that MODULE requires is replaced with
#   k8s.io/<name> STAGING_VERSION (k8s.io/kubernetes publishes its staging repos that way).
set -euo pipefail

output=$1 module=$2 version=$3 package=$4 ldflags=${5:-}
shift 5 || shift $#
if [[ -x "$output" ]]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

cd "$work"
go mod init fluxconfig.local/toolwrapper >/dev/null 2>&1
go mod edit -require="${module}@${version}"
for r in "$@"; do
  go mod edit -replace="$r"
done
if [[ "${AUTO_STAGING:-0}" == 1 ]]; then
  modfile=$(go mod download -json "${module}@${version}" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  for name in $(awk '$1 ~ /^k8s\.io\/[a-z-]+$/ && $2 == "v0.0.0" {print $1}' "$modfile"); do
    go mod edit -replace="${name}=${name}@${STAGING_VERSION}"
  done
  go mod edit -godebug=default=go1.26
fi
printf 'package tools\n\nimport _ "%s"\n' "$package" > tools.go
go mod tidy -e 2>tidy.log || { cat tidy.log >&2; exit 1; }
mkdir -p "$(dirname "$output")"
go build -trimpath -ldflags "$ldflags" -o "$output.tmp" "$package"
mv "$output.tmp" "$output"
echo "built $output"
