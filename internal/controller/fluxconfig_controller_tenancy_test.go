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
	"errors"
	"sync"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// neverSeen watches for an object of list's kind named name (in ns, "" for cluster-scoped
// kinds) from now on; the returned function fails the test if one ever appeared.
func neverSeen(t *testing.T, list client.ObjectList, ns, name string) func() {
	t.Helper()
	wc, err := client.NewWithWatch(testEnv.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	opts := []client.ListOption{client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.name", name)}}
	if ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	w, err := wc.Watch(context.Background(), list, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []watch.EventType
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range w.ResultChan() {
			mu.Lock()
			seen = append(seen, e.Type)
			mu.Unlock()
		}
	}()
	t.Cleanup(w.Stop)
	return func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) > 0 {
			t.Errorf("%s %s must never appear, saw %v", name, ns, seen)
		}
	}
}

// restart reconciles obj with a fresh copy of the reconciler, as a restarted controller would,
// and returns its error.
func restart(obj client.Object) error {
	fresh := *reconciler
	_, err := fresh.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
	return err
}

// patchSpec changes fc with a merge patch, which the controller's status writes meanwhile
// cannot make conflict.
func patchSpec(g Gomega, fc *v1alpha1.FluxConfig, change func(*v1alpha1.FluxConfig)) {
	get(g, fc)
	orig := fc.DeepCopy()
	change(fc)
	g.Expect(k8sClient.Patch(context.Background(), fc, client.MergeFrom(orig))).To(Succeed())
}

func gone(obj client.Object) func() bool {
	return func() bool {
		return apierrors.IsNotFound(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}
}

func expectRefused(g Gomega, fc *v1alpha1.FluxConfig, reason string, msg ...string) {
	expectCondition(g, fc, v1alpha1.StalledCondition, reason, msg...)
}

func expectRunning(g Gomega, fc *v1alpha1.FluxConfig, kustomization string) {
	get(g, fc)
	g.Expect(condition(fc, v1alpha1.StalledCondition)).To(BeNil())
	g.Expect(fc.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
	k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: kustomization, Namespace: fc.Namespace}}
	get(g, k)
	g.Expect(k.Spec.Suspend).To(BeFalse())
}

// expectLaterRefused checks that later, created while first runs its Kustomization
// firstKustomization, is refused for the scope conflict with messages naming msgs, that a
// restart of either decides the same, and that none of notApplied, later's objects, exists.
func expectLaterRefused(g *WithT, later, first *v1alpha1.FluxConfig, firstKustomization string, msgs []string,
	notApplied ...client.Object) {
	g.Eventually(func(g Gomega) {
		expectRefused(g, later, v1alpha1.ScopeConflictReason, msgs...)
	}, timeout, poll).Should(Succeed())
	err := restart(later)
	g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeTrue(), "terminal: %v", err)
	g.Expect(restart(first)).To(Succeed())
	g.Consistently(func(g Gomega) {
		expectRefused(g, later, v1alpha1.ScopeConflictReason)
		expectRunning(g, first, firstKustomization)
		for _, obj := range notApplied {
			g.Expect(gone(obj)()).To(BeTrue(), "%T %s", obj, obj.GetName())
		}
	}, 2*time.Second, 200*time.Millisecond).Should(Succeed())
}

// expectTakesOver deletes first and checks that later, refused until then, runs its
// Kustomization laterKustomization with its binding laterBinding, and that firstBinding goes.
func expectTakesOver(g *WithT, later, first *v1alpha1.FluxConfig, laterKustomization string,
	laterBinding, firstBinding client.Object, why string) {
	g.Expect(k8sClient.Delete(context.Background(), first)).To(Succeed())
	g.Eventually(func(g Gomega) {
		expectRunning(g, later, laterKustomization)
		get(g, laterBinding)
	}, timeout, poll).Should(Succeed())
	g.Eventually(gone(firstBinding), timeout, poll).Should(BeTrue(), why)
}

// reconcileOnceSeen waits for the running controller's cache to hold fc, then reconciles fc
// with r until a reconcile returns no error; description says why it must.
func reconcileOnceSeen(g *WithT, r *FluxConfigReconciler, fc *v1alpha1.FluxConfig, description ...any) {
	ctx := context.Background()
	g.Eventually(func() error {
		return reconciler.Get(ctx, client.ObjectKeyFromObject(fc), &v1alpha1.FluxConfig{})
	}, timeout, poll).Should(Succeed())
	g.Eventually(func() error {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
		return err
	}, timeout, poll).Should(Succeed(), description...)
}

const (
	tenantConfig   = `{metadata: {name: tenant}, spec: {scope: namespace, gitRepository: {url: "https://e.com/t"}, kustomizations: [{name: app}]}}`
	platformConfig = `{metadata: {name: platform}, spec: {scope: cluster, gitRepository: {url: "https://e.com/p"}, kustomizations: [{name: all}]}}`
)

// A cluster-scoped config arriving in a namespace that runs a namespace-scoped one is the one
// refused: binding flux-applier to cluster-admin would escalate the tenant, whose Flux objects
// already run as that account. It is admitted once the tenant is gone.
func TestFluxConfigReconciler_ScopeConflictRefusesLaterClusterScoped(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
	noClusterAdmin := neverSeen(t, &rbacv1.ClusterRoleBindingList{}, "", crb.Name)
	tenant := create(t, g, ns, tenantConfig)
	g.Eventually(func(g Gomega) { expectRunning(g, tenant, "tenant-app") }, timeout, poll).Should(Succeed())
	g.Expect(restart(tenant)).To(Succeed())

	platform := create(t, g, ns, platformConfig)
	expectLaterRefused(g, platform, tenant, "tenant-app",
		[]string{"namespace-scoped FluxConfigs (tenant)", "this later config is refused"},
		&kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "platform-all", Namespace: ns}},
		&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "platform", Namespace: ns}})
	noClusterAdmin()

	// The tenant goes: the namespace is free, and the platform config takes it.
	expectTakesOver(g, platform, tenant, "platform-all", crb,
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}},
		"the tenant's binding goes with it")
}

// A namespace-scoped config arriving in a namespace run by a cluster-scoped one is refused:
// it would run with cluster-admin. It is admitted once the cluster-scoped config is gone.
func TestFluxConfigReconciler_ScopeConflictRefusesLaterNamespaceScoped(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
	noRoleBinding := neverSeen(t, &rbacv1.RoleBindingList{}, ns, rb.Name)
	platform := create(t, g, ns, platformConfig)
	g.Eventually(func(g Gomega) {
		expectRunning(g, platform, "platform-all")
		get(g, crb)
	}, timeout, poll).Should(Succeed())
	g.Expect(restart(platform)).To(Succeed())

	tenant := create(t, g, ns, tenantConfig)
	expectLaterRefused(g, tenant, platform, "platform-all", []string{"cluster-scoped FluxConfigs (platform)"},
		&kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "tenant-app", Namespace: ns}})
	noRoleBinding()

	expectTakesOver(g, tenant, platform, "tenant-app", rb, crb, "no cluster-admin stays behind")
}

// Configs in a protected namespace are refused with a message naming the rule, and nothing
// of them is applied. A config applied before its namespace became protected is stopped:
// rendered suspended, and the namespace's tenant RBAC goes.
func TestFluxConfigReconciler_ProtectedNamespace(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{"kube-public", releaseNamespace} {
		t.Run("refused in "+ns, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(testenv.EnsureNamespace(ctx, k8sClient, ns)).To(Succeed())
			fc := create(t, g, ns, platformConfig)
			g.Eventually(func(g Gomega) {
				expectRefused(g, fc, v1alpha1.ProtectedNamespaceReason, `namespace "`+ns+`" is protected`, "multiTenancy.protectedNamespaces")
			}, timeout, poll).Should(Succeed())
			g.Consistently(func(g Gomega) {
				g.Expect(gone(&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "platform", Namespace: ns}})()).To(BeTrue())
				g.Expect(gone(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}})()).To(BeTrue())
				g.Expect(gone(&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}})()).To(BeTrue())
			}, time.Second, 200*time.Millisecond).Should(Succeed())
			g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
			g.Eventually(gone(fc), timeout, poll).Should(BeTrue(), "a refused config is deleted")
		})
	}

	t.Run("applied before the namespace became protected", func(t *testing.T) {
		g := NewWithT(t)
		ns := protectedTestNamespace
		g.Expect(testenv.EnsureNamespace(ctx, k8sClient, ns)).To(Succeed())
		fc := create(t, g, ns, platformConfig)
		// A controller that did not protect the namespace yet applies it.
		before := *reconciler
		before.Protected = tenancy.ForWatch(nil, "", "")
		// The running controller writes the same status meanwhile: retry a conflict. A
		// reconcile of a config its cache has not seen yet does nothing: wait for it.
		reconcileOnceSeen(g, &before, fc)
		k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "platform-all", Namespace: ns}}
		repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "platform", Namespace: ns}}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}}
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
		get(g, k)

		// The controller that protects it (restarted with the new list) takes over.
		patchSpec(g, fc, func(fc *v1alpha1.FluxConfig) { fc.Spec.CorrelationID = "after-restart" })
		g.Eventually(func(g Gomega) {
			expectRefused(g, fc, v1alpha1.ProtectedNamespaceReason, `namespace "`+ns+`" is protected`)
			get(g, k)
			g.Expect(k.Spec.Suspend).To(BeTrue())
			get(g, repo)
			g.Expect(repo.Spec.Suspend).To(BeTrue())
			g.Expect(gone(crb)()).To(BeTrue(), "no cluster-admin for a protected namespace")
			g.Expect(gone(sa)()).To(BeTrue())
		}, timeout, poll).Should(Succeed())
		g.Expect(k8sClient.Delete(ctx, fc)).To(Succeed())
		g.Eventually(gone(fc), timeout, poll).Should(BeTrue())
	})

	t.Run("watching only the release namespace", func(t *testing.T) {
		// The chart's watchAllNamespaces=false: the controller exists for the release
		// namespace's configs, so that namespace is not protected then.
		g := NewWithT(t)
		ns := newNamespace(t)
		only := *reconciler
		only.Protected = tenancy.ForWatch(tenancy.DefaultProtectedNamespaces, ns, ns)
		fc := create(t, g, ns, tenantConfig)
		reconcileOnceSeen(g, &only, fc, "not refused (a conflict with the running controller's status write is retried)")
		g.Eventually(func(g Gomega) { expectRunning(g, fc, "tenant-app") }, timeout, poll).Should(Succeed())
	})
}

// Two configs of a namespace deleted at once: each used to think the other still needed the
// shared tenant RBAC, and the cluster-admin binding stayed for good.
func TestFluxConfigReconciler_TenantRBACGoesWithConfigsDeletedTogether(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	a := create(t, g, ns, `{metadata: {name: a}, spec: {gitRepository: {url: "https://e.com/a"}, kustomizations: [{name: app}]}}`)
	b := create(t, g, ns, `{metadata: {name: b}, spec: {gitRepository: {url: "https://e.com/b"}, kustomizations: [{name: app}]}}`)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: render.ApplierServiceAccount, Namespace: ns}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: render.ClusterRoleBindingName(ns)}}
	g.Eventually(func(g Gomega) {
		expectRunning(g, a, "a-app")
		expectRunning(g, b, "b-app")
		get(g, sa)
		get(g, crb)
	}, timeout, poll).Should(Succeed())

	// Flux's finalizer holds both Kustomizations while it prunes, and lets them go together:
	// both configs then reach the release of the shared RBAC at once.
	var held []*kustomizev1.Kustomization
	for _, name := range []string{"a-app", "b-app"} {
		k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
		get(g, k)
		holdByFlux(g, k)
		held = append(held, k)
	}
	g.Expect(k8sClient.Delete(ctx, a)).To(Succeed())
	g.Expect(k8sClient.Delete(ctx, b)).To(Succeed())
	g.Eventually(func(g Gomega) {
		for _, k := range held {
			get(g, k)
			g.Expect(k.DeletionTimestamp).NotTo(BeNil())
		}
	}, timeout, poll).Should(Succeed())
	for _, k := range held {
		releaseByFlux(g, k)
	}
	for _, obj := range []client.Object{a, b, sa, crb} {
		g.Eventually(gone(obj), timeout, poll).Should(BeTrue(), "%T %s goes with the last config", obj, obj.GetName())
	}
}
