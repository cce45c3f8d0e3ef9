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
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
)

// unseenKustomizations reads like a cache that has not yet seen any Kustomization, as after a restart
// of the controller or of the API server: reads of them find nothing.
type unseenKustomizations struct{ client.Client }

func (c unseenKustomizations) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*kustomizev1.Kustomization); ok {
		return apierrors.NewNotFound(kustomizev1.GroupVersion.WithResource("kustomizations").GroupResource(), key.Name)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func (c unseenKustomizations) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if _, ok := list.(*kustomizev1.KustomizationList); ok {
		return nil
	}
	return c.Client.List(ctx, list, opts...)
}

// A config being deleted keeps its finalizer, and its source, while a Kustomization of it
// exists, even when the cache has not seen that Kustomization: otherwise the Kustomization
// (and what it applied) would outlive its config for good.
func TestFluxConfigReconciler_FinalizeDoesNotTrustALaggingCache(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	// Flux's finalizer holds the Kustomization, so the running controller waits on it.
	ns, fc, k := createHeldByFlux(t, g, "lag")
	t.Cleanup(func() {
		if k8sClient.Get(ctx, client.ObjectKeyFromObject(k), k) == nil {
			controllerutil.RemoveFinalizer(k, fluxFinalizer)
			_ = k8sClient.Update(ctx, k)
		}
	})
	g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
	get(g, fc)

	lagging := *reconciler
	lagging.Client = unseenKustomizations{reconciler.Client}
	res, err := lagging.finalize(ctx, fc)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(BeNumerically(">", 0), "finalize must wait for the Kustomization it cannot see in the cache")

	get(g, fc)
	g.Expect(controllerutil.ContainsFinalizer(fc, v1alpha1.Finalizer)).To(BeTrue(), "the finalizer was removed while a Kustomization remains")
	get(g, &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "lag", Namespace: ns}})
}

// Objects of a config that is gone are deleted when this controller added its finalizer.
// kube-apiserver may report a finalizer added and still remove the object when a DELETE
// races with it (kubernetes/kubernetes#77988): the reconcile under way then applies a source,
// a Kustomization and a Secret that no finalizer guards. Here the config loses its finalizer
// and is deleted, as that race leaves it. Objects of a config this controller never
// finalized (a restore that brings Secrets and Flux objects before their FluxConfigs) stay.
func TestFluxConfigReconciler_ReapsTheObjectsOfAConfigThatIsGone(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	restored := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "restored-auth", Namespace: ns, Labels: render.Labels(ns, "restored")}}
	g.Expect(k8sClient.Create(ctx, restored)).To(Succeed())
	fc := create(t, g, ns, `{metadata: {name: raced}, spec: {gitRepository: {url: "ssh://git@e.com/r"},
		kustomizations: [{name: app}]}}`)
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "raced", Namespace: ns}}
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "raced-app", Namespace: ns}}
	g.Eventually(func(g Gomega) { get(g, repo); get(g, k); get(g, fc) }, timeout, poll).Should(Succeed())
	g.Expect(controllerutil.ContainsFinalizer(fc, v1alpha1.Finalizer)).To(BeTrue())
	// Remove the finalizer and delete in one step: the delete is refused if the controller
	// put the finalizer back meanwhile.
	g.Eventually(func(g Gomega) {
		get(g, fc)
		controllerutil.RemoveFinalizer(fc, v1alpha1.Finalizer)
		g.Expect(k8sClient.Update(ctx, fc)).To(Succeed())
		rv := fc.ResourceVersion
		g.Expect(k8sClient.Delete(ctx, fc, client.Preconditions{ResourceVersion: &rv})).To(Succeed())
	}, timeout, poll).Should(Succeed())

	for _, o := range []client.Object{k, repo} {
		g.Eventually(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(o), o))
		}, timeout, poll).Should(BeTrue(), "%T %s outlives its config", o, o.GetName())
	}
	secrets := &corev1.SecretList{}
	g.Expect(k8sClient.List(ctx, secrets, client.InNamespace(ns), client.MatchingLabels(render.Labels(ns, "raced")))).To(Succeed())
	g.Expect(secrets.Items).To(BeEmpty(), "the config's Secret outlives it")
	get(g, restored)
}
