#!/usr/bin/env bash
# Collects the Flux CRDs that tests, `make run` and the chart install, into one cached directory,
# and prints it. GitRepository, Bucket, OCIRepository and Kustomization come from the Flux
# controller modules' config/crd/bases; HelmRelease is generated from the helm-controller API
# module that go.mod pins, because no helm-controller module at a matching version is served.
# The notification and image CRDs are generated the same way from their API modules (their
# controller modules are not served), inside a throwaway module that requires them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LOCALBIN:-$root/bin}
source_version=${SOURCE_CONTROLLER_VERSION:-v1.9.6}
kustomize_version=${KUSTOMIZE_CONTROLLER_VERSION:-v1.9.5}
controller_gen=${CONTROLLER_GEN:?CONTROLLER_GEN must point at controller-gen}
notification_version=${NOTIFICATION_API_VERSION:-v1.9.4}
image_version=${IMAGE_API_VERSION:-v1.2.5}
helm_api_version=$(cd "$root" && go list -m -f '{{.Version}}' github.com/fluxcd/helm-controller/api)

out=$bin/flux-crds-source-$source_version-kustomize-$kustomize_version-helm-$helm_api_version-notification-$notification_version-image-$image_version
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out"

module_dir() {
  # Outside any module, so the project's go.mod and go.sum stay untouched.
  (cd "$(mktemp -d)" && GOFLAGS= go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
}
src=$(module_dir "github.com/fluxcd/source-controller@$source_version")
kus=$(module_dir "github.com/fluxcd/kustomize-controller@$kustomize_version")
cp "$src"/config/crd/bases/*.yaml "$kus"/config/crd/bases/*.yaml "$out/"
(cd "$root" && "$controller_gen" crd:crdVersions=v1 paths=github.com/fluxcd/helm-controller/api/v2 output:crd:dir="$out")
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
echo "$out"
