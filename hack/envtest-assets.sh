#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy (prebuilt downloads are not
# reachable offline) and links them into one directory for envtest (KUBEBUILDER_ASSETS).
# Prints that directory. Binaries are cached by version; a version bump rebuilds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LOCALBIN:-$root/bin}
k8s=${KUBE_VERSION:-v1.36.4}
etcd=${ETCD_VERSION:-v3.6.8}
minor=${k8s#v1.}; minor=${minor%%.*}
patch=${k8s##*.}

build_date=2026-01-01T00:00:00Z
kflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kflags+=" -X $pkg.gitVersion=$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  kflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

"$root/hack/build-go-tool.sh" "$bin/etcd-$etcd/etcd" go.etcd.io/etcd/server/v3 "$etcd" \
  go.etcd.io/etcd/server/v3 "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcd" >&2
AUTO_STAGING=1 STAGING_VERSION="v0.$minor.$patch" \
  "$root/hack/build-go-tool.sh" "$bin/kube-apiserver-$k8s/kube-apiserver" k8s.io/kubernetes "$k8s" \
  k8s.io/kubernetes/cmd/kube-apiserver "$kflags" >&2

assets=$bin/envtest-$k8s-$etcd
mkdir -p "$assets"
ln -sfn "../etcd-$etcd/etcd" "$assets/etcd"
ln -sfn "../kube-apiserver-$k8s/kube-apiserver" "$assets/kube-apiserver"
echo "$assets"
