#!/usr/bin/env bash
# Collects the Flux CRDs that tests, `make run` and the chart install into OUTPUT (the Makefile
# names it after the versions). GitRepository, Bucket, OCIRepository, Kustomization and
# HelmRelease come from the Flux controller modules' config/crd/bases, at the versions the tests
# run. The notification and image CRDs are generated from their API modules (their controller
# modules are not served), inside a throwaway module that requires them.
#
# usage: flux-crds.sh OUTPUT
set -euo pipefail

out=${1:?usage: flux-crds.sh OUTPUT}
source_version=${SOURCE_CONTROLLER_VERSION:?}
kustomize_version=${KUSTOMIZE_CONTROLLER_VERSION:?}
helm_version=${HELM_CONTROLLER_VERSION:?}
notification_version=${NOTIFICATION_API_VERSION:?}
image_version=${IMAGE_API_VERSION:?}
controller_gen=${CONTROLLER_GEN:?CONTROLLER_GEN must point at controller-gen}

rm -rf "$out" && mkdir -p "$out"
module_dir() {
  # Outside any module, so the project's go.mod and go.sum stay untouched.
  (cd "$(mktemp -d)" && GOFLAGS= go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
}
for m in "source-controller@$source_version" "kustomize-controller@$kustomize_version" "helm-controller@$helm_version"; do
  dir=$(module_dir "github.com/fluxcd/$m")
  cp "$dir"/config/crd/bases/*.yaml "$out/"
done
wrapper=$(mktemp -d)
trap 'rm -rf "$wrapper"' EXIT
(
  cd "$wrapper"
  export GOFLAGS=-mod=mod
  go mod init fluxconfig.local/fluxcrds >/dev/null 2>&1
  {
    echo "package crds"
    echo
    echo "import ("
    echo "	_ \"github.com/fluxcd/notification-controller/api/v1\""
    echo "	_ \"github.com/fluxcd/image-reflector-controller/api/v1\""
    echo "	_ \"github.com/fluxcd/image-automation-controller/api/v1\""
    echo ")"
  } > crds.go
  go mod edit -require="github.com/fluxcd/notification-controller/api@$notification_version" \
    -require="github.com/fluxcd/image-reflector-controller/api@$image_version" \
    -require="github.com/fluxcd/image-automation-controller/api@$image_version"
  go mod tidy >/dev/null 2>&1 || go mod tidy
  "$controller_gen" crd:crdVersions=v1 \
    paths=github.com/fluxcd/notification-controller/api/... \
    paths=github.com/fluxcd/image-reflector-controller/api/... \
    paths=github.com/fluxcd/image-automation-controller/api/... \
    output:crd:dir="$out"
)
chmod u+w "$out"/*.yaml
touch "$out/.complete"
echo "collected $out"
