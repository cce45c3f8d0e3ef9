#!/usr/bin/env bash
# Builds Go binaries whose modules carry replace directives (so `go install` refuses them)
# through a throwaway wrapper module, and caches each result at its OUTPUT.
#
# usage: build-go-tool.sh OUTPUTS MODULES VERSIONS PACKAGES [LDFLAGS] [REPLACE...]
#   OUTPUTS, MODULES, VERSIONS and PACKAGES are comma-separated lists of one length: the n-th
#   package, from the n-th module at the n-th version, is built to the n-th output. Tools
#   built together resolve to one version of each dependency they share, so one go build
#   compiles it once instead of once per tool.
#   REPLACE entries are "old=new@version" and are added verbatim to the wrapper go.mod.
#   With AUTO_STAGING=1 every k8s.io/<name> v0.0.0 that a module requires is replaced with
#   k8s.io/<name> STAGING_VERSION (k8s.io/kubernetes publishes its staging repos that way).
#   With PIN_MODFILE set, every module that go.mod requires is required at least at that
#   version: a tool then compiles against the same versions as this repository where its own
#   are not newer, and so reuses the packages `make build` compiled (built without -trimpath,
#   like them, as the build cache keys on it) instead of compiling its own copies.
set -euo pipefail

IFS=, read -r -a outputs <<<"$1"
IFS=, read -r -a modules <<<"$2"
IFS=, read -r -a versions <<<"$3"
IFS=, read -r -a packages <<<"$4"
ldflags=${5:-}
shift 5 || shift $#
if ((${#modules[@]} != ${#outputs[@]} || ${#versions[@]} != ${#outputs[@]} || ${#packages[@]} != ${#outputs[@]})); then
  echo "build-go-tool.sh: OUTPUTS, MODULES, VERSIONS and PACKAGES must list as many entries each" >&2
  exit 2
fi
missing=0
for output in "${outputs[@]}"; do
  [[ -x "$output" ]] || missing=1
done
((missing)) || exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

cd "$work"
go mod init fluxconfig.local/toolwrapper >/dev/null 2>&1
for i in "${!modules[@]}"; do
  go mod edit -require="${modules[i]}@${versions[i]}"
done
for r in "$@"; do
  go mod edit -replace="$r"
done
if [[ "${AUTO_STAGING:-0}" == 1 ]]; then
  for i in "${!modules[@]}"; do
    modfile=$(go mod download -json "${modules[i]}@${versions[i]}" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
    for name in $(awk '$1 ~ /^k8s\.io\/[a-z-]+$/ && $2 == "v0.0.0" {print $1}' "$modfile"); do
      go mod edit -replace="${name}=${name}@${STAGING_VERSION}"
    done
  done
  go mod edit -godebug=default=go1.26
fi
if [[ -n "${PIN_MODFILE:-}" ]]; then
  for pin in $(awk '/^require \(/ { block = 1; next } block && /^\)/ { block = 0 }
      block && $1 !~ /^\/\// { print $1 "@" $2 } /^require [^(]/ { print $2 "@" $3 }' "$PIN_MODFILE"); do
    go mod edit -require="$pin"
  done
fi
{
  printf 'package tools\n\nimport (\n'
  printf '\t_ "%s"\n' "${packages[@]}"
  printf ')\n'
} > tools.go
go mod tidy -e 2>tidy.log || { cat tidy.log >&2; exit 1; }
# One go build for all: the packages they share are compiled once, the links run side by side.
mkdir out
trimpath=(-trimpath)
[[ -n "${PIN_MODFILE:-}" ]] && trimpath=()
go build "${trimpath[@]}" -ldflags "$ldflags" -o out/ "${packages[@]}"
for i in "${!outputs[@]}"; do
  # go build names a binary after its package path's last element that is not a major version.
  name=$(basename "${packages[i]}")
  [[ "$name" =~ ^v[0-9]+$ ]] && name=$(basename "$(dirname "${packages[i]}")")
  mkdir -p "$(dirname "${outputs[i]}")"
  mv "out/$name" "${outputs[i]}"
  echo "built ${outputs[i]}"
done
