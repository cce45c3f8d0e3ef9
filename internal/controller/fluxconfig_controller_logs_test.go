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

package controller

import (
	"context"
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// linesAbout returns the captured log lines that mention namespace ns.
func linesAbout(ns string) []string {
	var out []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"`+ns+`"`) {
			out = append(out, l)
		}
	}
	return out
}

// lineWith is the first line holding every part, or "".
func lineWith(lines []string, parts ...string) string {
	for _, l := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return l
		}
	}
	return ""
}

// The log of a config's life says what was applied and deleted, each deletion stage, and
// which Kustomization the deletion waits for; it holds no secret value.
func TestFluxConfigReconciler_Logs(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns, fc := createHTTPSConfig(t, g)
	infra := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "web-infra", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		lines := linesAbout(ns)
		for _, want := range [][]string{
			{"Applied", `"kind": "Secret"`, `"name":"web-auth"`},
			{"Applied", `"kind": "GitRepository"`, `"name":"web"`},
			{"Applied", `"kind": "Kustomization"`, `"name":"web-infra"`},
			{"Applied", `"kind": "Kustomization"`, `"name":"web-apps"`},
		} {
			g.Expect(lineWith(lines, want...)).NotTo(BeEmpty(), "a line with %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}, timeout, poll).Should(Succeed())

	// Flux holds one Kustomization while it prunes: the deletion says it waits for that one.
	get(g, infra)
	holdByFlux(g, infra)
	g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
	g.Eventually(func(g Gomega) {
		lines := linesAbout(ns)
		g.Expect(lineWith(lines, "Deleting the Kustomizations first", "web-infra", "web-apps")).NotTo(BeEmpty())
		g.Expect(lineWith(lines, "Waiting for Flux to finalize the Kustomizations", "web-infra")).NotTo(BeEmpty())
	}, timeout, poll).Should(Succeed())
	g.Expect(lineWith(linesAbout(ns), "Removed the finalizer")).To(BeEmpty(), "the config waits for Flux")

	get(g, infra)
	releaseByFlux(g, infra)
	g.Eventually(func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(fc), fc))
	}, timeout, poll).Should(BeTrue())
	g.Eventually(func(g Gomega) {
		lines := linesAbout(ns)
		g.Expect(lineWith(lines, "Deleting the source and Secrets")).NotTo(BeEmpty())
		g.Expect(lineWith(lines, "Deleted", `"kind": "GitRepository"`, `"name":"web"`)).NotTo(BeEmpty())
		g.Expect(lineWith(lines, "Releasing the namespace's tenant RBAC")).NotTo(BeEmpty())
		g.Expect(lineWith(lines, "Removed the finalizer")).NotTo(BeEmpty())
	}, timeout, poll).Should(Succeed())
	g.Expect(strings.Join(linesAbout(ns), "\n")).NotTo(ContainSubstring(planted))
}

// An object the controller applied before the digest annotations were merged carries the old
// annotation: after an upgrade it is not written again while it is unchanged.
func TestFluxConfigReconciler_LegacyDigestIsNotRewritten(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc := create(t, g, ns, gitConfigDoc("old", "app"))
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: ns}}
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
		get(g, repo)
	}, timeout, poll).Should(Succeed())

	// What the controller used to write: 8 bytes of the same digest, under applied-hash.
	digest := repo.Annotations[v1alpha1.AppliedDigestAnnotation]
	g.Expect(digest).To(HaveLen(24))
	patch := client.MergeFrom(repo.DeepCopy())
	delete(repo.Annotations, v1alpha1.AppliedDigestAnnotation)
	repo.Annotations[v1alpha1.LegacyAppliedHashAnnotation] = digest[:16]
	g.Expect(k8sClient.Patch(ctx, repo, patch)).To(Succeed())

	before := writes.mark()
	_, err := reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(writes.in(before, fc.Namespace)).To(BeEmpty(), "an unchanged object under the old annotation is not applied again")
	get(g, repo)
	g.Expect(repo.Annotations).To(HaveKeyWithValue(v1alpha1.LegacyAppliedHashAnnotation, digest[:16]))
}
