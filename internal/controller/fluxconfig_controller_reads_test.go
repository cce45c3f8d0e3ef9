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
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// userWithRole adds an API user bound to the controller's generated ClusterRole, or to no
// role at all when withRole is false.
func userWithRole(t *testing.T, g *WithT, name string, withRole bool) *rest.Config {
	t.Helper()
	ctx := context.Background()
	user, err := testEnv.AddUser(envtest.User{Name: name}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	if withRole {
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "controller", "role.yaml"))
		g.Expect(err).NotTo(HaveOccurred())
		objs, err := testenv.DecodeManifests(data)
		g.Expect(err).NotTo(HaveOccurred())
		// role.yaml also holds the leader-election Role of the release namespace; only the
		// ClusterRole matters here.
		objs = slices.DeleteFunc(objs, func(o *unstructured.Unstructured) bool { return o.GetKind() != "ClusterRole" })
		g.Expect(objs).To(HaveLen(1))
		objs[0].SetName(name)
		g.Expect(testenv.ApplyManifests(ctx, k8sClient, "test", objs)).To(Succeed())
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: name}},
		}
		g.Expect(k8sClient.Create(ctx, binding)).To(Succeed())
	}
	return user.Config()
}

// A Kustomization may apply a Flux kind the controller is not allowed to list (here an
// ExternalArtifact). Running with the chart's ClusterRole, a reconcile of its config returns
// instead of waiting forever on an informer that cannot sync, and reports the kinds it can read.
func TestFluxConfigReconciler_UnlistableKindInInventory(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc, k := createGitConfig(t, g, ns, "art", "apps")
	k.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: ns + "_bundle_source.toolkit.fluxcd.io_ExternalArtifact", Version: "v1"},
		{ID: ns + "_art_source.toolkit.fluxcd.io_GitRepository", Version: "v1"},
	}}
	g.Expect(k8sClient.Status().Update(ctx, k)).To(Succeed())

	cfg := userWithRole(t, g, "restricted-controller", true)
	opts := CacheOptions()
	opts.DefaultNamespaces = map[string]cache.Config{ns: {}}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme.New(), Cache: opts, Metrics: metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	restricted := &FluxConfigReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
		Recorder: recorder, MultiTenancy: true, KnownHosts: render.BuiltInKnownHosts, ResyncInterval: time.Hour,
	}
	g.Expect(restricted.SetupWithManager(mgr, 1)).To(Succeed())
	mgrCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = mgr.Start(mgrCtx) }()
	// The controller starts its informers once the manager runs.
	g.Eventually(func() error {
		return mgr.GetClient().Get(ctx, client.ObjectKeyFromObject(fc), &v1alpha1.FluxConfig{})
	}, timeout, poll).Should(Succeed())

	// The deadline only turns a hang into a failure; a reconcile takes well under a second.
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := restricted.Reconcile(rctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fc)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rctx.Err()).NotTo(HaveOccurred(), "the reconcile returned before its deadline")
	g.Expect(res.RequeueAfter).To(BeNumerically("~", time.Hour, 6*time.Minute), "the resync, jittered by 10 %")

	get(g, fc)
	var kinds []string
	for _, s := range fc.Status.Statuses {
		kinds = append(kinds, s.Kind+"/"+s.Name)
	}
	g.Expect(kinds).To(ConsistOf("GitRepository/art", "Kustomization/art-apps", "GitRepository/art"),
		"the applied GitRepository is reported; the ExternalArtifact, which the controller may not read, is not")
}

// A read that fails for a reason other than NotFound is reported in the Ready condition and
// logged, not taken for a missing object.
func TestFluxConfigReconciler_ReadErrorIsReported(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	fc := create(t, g, ns, `{metadata: {name: denied}, spec: {gitRepository: {url: "https://e.com/r"}}}`)
	g.Eventually(func(g Gomega) {
		get(g, fc)
		g.Expect(fc.Status.ObservedGeneration).To(Equal(fc.Generation))
	}, timeout, poll).Should(Succeed())

	nobody, err := client.New(userWithRole(t, g, "no-rights", false), client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	// It watches what the running controller watches, and reads as nobody.
	r := &FluxConfigReconciler{Client: nobody, APIReader: nobody, Scheme: nobody.Scheme(), watches: reconciler.watches}
	r.observe(ctx, fc, nil)
	ready := condition(fc, v1alpha1.ReadyCondition)
	g.Expect(ready.Status).To(Equal(metav1.ConditionUnknown))
	g.Expect(ready.Message).To(ContainSubstring("cannot read GitRepository " + ns + "/denied"))
	g.Expect(ready.Message).To(ContainSubstring("forbidden"))
	g.Expect(logs.String()).To(ContainSubstring("Cannot read a Flux object"))
}
