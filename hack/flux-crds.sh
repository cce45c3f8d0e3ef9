#!/usr/bin/env bash
# Collects the Flux CRDs that tests and `make run` install, into one cached directory, and
# prints it. GitRepository, Bucket, OCIRepository and Kustomization come from the Flux
# controller modules' config/crd/bases; HelmRelease is generated from the helm-controller API
# module that go.mod pins, because no helm-controller module at a matching version is served.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LOCALBIN:-$root/bin}
source_version=${SOURCE_CONTROLLER_VERSION:-v1.9.6}
kustomize_version=${KUSTOMIZE_CONTROLLER_VERSION:-v1.9.5}
controller_gen=${CONTROLLER_GEN:?CONTROLLER_GEN must point at controller-gen}
helm_api_version=$(cd "$root" && go list -m -f '{{.Version}}' github.com/fluxcd/helm-controller/api)

out=$bin/flux-crds-source-$source_version-kustomize-$kustomize_version-helm-$helm_api_version
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
chmod u+w "$out"/*.yaml
touch "$out/.complete"
echo "$out"
