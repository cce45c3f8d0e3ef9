//go:build e2e

// Copyright 2026 The fluxconfig Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package e2e

import (
	"context"
	"fmt"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
	"github.com/fluxconfig/fluxconfig/test/servers/azurite"
)

const fluxKindsNS = "k-flux-kinds"

func azuriteKey() string { return azurite.AccountKey }

// fluxKindsContent is the Git content of the flux-kinds case: a Flux object of every kind
// the controller's status reader follows, an ExternalArtifact, which it does not, and a
// HelmRelease on the managed source whose chart, in the same repository, needs no kubelet.
// It publishes what the nested sources fetch.
func fluxKindsContent(ctx context.Context, st *fluxStack) map[string]string {
	Expect(st.s3.Put("kinds-nested", map[string]string{"settings.yaml": configMapYAML(fluxKindsNS, "from-bucket", "1")})).To(Succeed())
	_, err := st.oci.PushArtifact(ctx, "kinds-nested", map[string]string{"settings.yaml": configMapYAML(fluxKindsNS, "from-oci", "1")}, "e2e", "main@sha1:0", "v1")
	Expect(err).NotTo(HaveOccurred())
	ns := fluxKindsNS
	return map[string]string{
		"charts/app/Chart.yaml":               "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"charts/app/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: '{{ .Release.Name }}-chart'\ndata:\n  version: '1'\n",
		"kinds/flux/settings.yaml":            configMapYAML(ns, "flux-kinds-settings", "1"),
		"kinds/nested/settings.yaml":          configMapYAML(ns, "from-git", "1"),
		"kinds/flux/helmrelease.yaml": fmt.Sprintf(`apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
  namespace: %s
  annotations:
    clusterconfig.azure.com/use-managed-source: "true"
spec:
  interval: 1m
  chart:
    spec:
      chart: ./charts/app
      interval: 1m
      sourceRef: {kind: GitRepository, name: replaced-by-the-managed-source}
`, ns),
		"kinds/flux/externalartifact.yaml": fmt.Sprintf("apiVersion: source.toolkit.fluxcd.io/v1\nkind: ExternalArtifact\nmetadata:\n  name: produced\n  namespace: %s\nspec: {}\n", ns),
		"kinds/flux/helmrepository.yaml": fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: charts
  namespace: %s
spec:
  interval: 1m
  url: %s
`, ns, helmIndex()),
		"kinds/flux/helmchart.yaml": fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmChart
metadata:
  name: extra
  namespace: %s
spec:
  interval: 1m
  chart: ./charts/app
  sourceRef: {kind: GitRepository, name: flux-kinds}
`, ns),
		"kinds/flux/gitrepository.yaml": fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: nested
  namespace: %s
spec:
  interval: 1m
  url: %s/kinds.git
  ref: {branch: main}
`, ns, st.httpURL),
		"kinds/flux/nested-kustomization.yaml": fmt.Sprintf(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: nested
  namespace: %s
spec:
  interval: 1m
  retryInterval: 2s
  path: ./kinds/nested
  prune: false
  sourceRef: {kind: GitRepository, name: nested}
`, ns),
		"kinds/flux/bucket.yaml": fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: nested-s3
  namespace: %[1]s
stringData:
  accesskey: %[3]s
  secretkey: %[4]s
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: Bucket
metadata:
  name: nested
  namespace: %[1]s
spec:
  interval: 1m
  provider: generic
  endpoint: %[2]s
  insecure: true
  bucketName: kinds-nested
  secretRef: {name: nested-s3}
`, ns, st.s3.Host, s3AccessKey, s3SecretKey),
		"kinds/flux/ocirepository.yaml": fmt.Sprintf(`apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: nested
  namespace: %s
spec:
  interval: 1m
  url: %s
  insecure: true
  ref: {tag: v1}
`, ns, st.oci.URL("kinds-nested")),
	}
}

// fluxKindsCase syncs fluxKindsContent; once Compliant, the endpoint reports every followed
// kind as applied by the config's Kustomization, and the HelmRelease with its release.
func fluxKindsCase(st *fluxStack, sha string) kindCase {
	return kindCase{name: "flux-kinds", revision: sha, props: map[string]any{
		"gitRepository": map[string]any{"url": st.httpURL + "/kinds.git", "syncIntervalInSeconds": 2,
			"repositoryRef": map[string]any{"branch": "main"}},
		"kustomizations": map[string]any{"k": map[string]any{"path": "./kinds/flux", "prune": true, "retryIntervalInSeconds": 2}},
	}, check: func(ctx context.Context, p dpv1.FluxConfigurationProperties) {
		appliedByK := HaveField("AppliedBy.Name", "flux-kinds-k")
		for _, kind := range []string{"HelmRepository", "HelmChart", "GitRepository", "Kustomization", "Bucket", "OCIRepository"} {
			Expect(p.Statuses).To(ContainElement(SatisfyAll(HaveField("Kind", kind), appliedByK)), "%s in status.statuses", kind)
		}
		Expect(p.Statuses).To(ContainElement(SatisfyAll(
			HaveField("Kind", "HelmRelease"), HaveField("Name", "app"), appliedByK,
			HaveField("HelmReleaseProperties.LastRevisionApplied", BeNumerically(">=", 1)))))
		Expect(configMapVersion(ctx, fluxKindsNS, "app-chart")()).To(Equal("1"), "helm-controller installed the chart")
		Expect(configMapVersion(ctx, fluxKindsNS, "from-git")()).To(Equal("1"), "the nested Kustomization applied")
		ea := &unstructured.Unstructured{}
		ea.SetGroupVersionKind(schema.GroupVersionKind{Group: "source.toolkit.fluxcd.io", Version: "v1", Kind: "ExternalArtifact"})
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: fluxKindsNS, Name: "produced"}, ea)).To(Succeed())
	}}
}
