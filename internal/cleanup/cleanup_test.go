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

package cleanup

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/controller"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

var env *testenv.Environment

func TestMain(m *testing.M) {
	testenv.Main(m, func(e *testenv.Environment) (stop func(), err error) {
		env = e
		ctrl.SetLogger(logr.Discard())
		return nil, nil
	})
}

// startRelease runs the controller of a release installed with watchAllNamespaces=false in
// namespace: as main.go builds it with --watch-namespace.
func startRelease(ctx context.Context, t *testing.T, wg *sync.WaitGroup, namespace string) {
	t.Helper()
	cacheOpts := controller.CacheOptions()
	cacheOpts.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: scheme.New(), Cache: cacheOpts,
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		// Two releases' controllers in one process: names repeat, as in two pods.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &controller.FluxConfigReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Scheme: mgr.GetScheme(), Recorder: mgr.GetEventRecorder(controller.FieldManager),
		MultiTenancy: true, KnownHosts: render.BuiltInKnownHosts, ResyncInterval: time.Hour,
		WatchNamespace: namespace}
	if err := r.SetupWithManager(mgr, 2); err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() { defer wg.Done(); _ = mgr.Start(ctx) }()
}

func fluxConfig(namespace string) *v1alpha1.FluxConfig {
	return &v1alpha1.FluxConfig{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: namespace},
		Spec: v1alpha1.FluxConfigSpec{
			Scope:      v1alpha1.ScopeNamespace,
			SourceKind: v1alpha1.SourceKindGitRepository,
			GitRepository: &v1alpha1.GitRepositoryDefinition{URL: "https://git.example.com/org/" + namespace,
				RepositoryRef: &v1alpha1.RepositoryRefDefinition{Branch: "main"}},
			Kustomizations: []v1alpha1.KustomizationDefinition{{Name: "apps", Path: "./apps"}},
		},
	}
}

// TestRun_LeavesAnotherReleasesConfigs: two releases, each watching its own namespace, each
// with a config its controller has turned into Flux objects. Uninstalling one deletes its
// config (and its controller prunes the Flux objects); the other release's config and its
// Kustomization, which holds that tenant's workloads, are untouched.
func TestRun_LeavesAnotherReleasesConfigs(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())

	releases := []string{"release-a", "release-b"}
	for _, ns := range releases {
		g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		startRelease(ctx, t, &wg, ns)
		g.Expect(c.Create(ctx, fluxConfig(ns))).To(Succeed())
	}
	for _, ns := range releases {
		g.Eventually(func() error {
			return c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app-apps"}, &kustomizev1.Kustomization{})
		}).WithTimeout(time.Minute).Should(Succeed(), "release %s's controller applied its config", ns)
	}

	var out bytes.Buffer
	g.Expect(Run(ctx, c, Options{Timeout: time.Minute, Poll: 200 * time.Millisecond, Out: &out,
		Namespace: "release-a"})).To(Succeed(), out.String())
	g.Expect(out.String()).To(ContainSubstring("Deleting FluxConfig release-a/app"))
	g.Expect(out.String()).NotTo(ContainSubstring("release-b"))
	err = c.Get(ctx, client.ObjectKey{Namespace: "release-a", Name: "app-apps"}, &kustomizev1.Kustomization{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "release-a's Kustomization is cleaned up: %v", err)

	// The other release: its config is not being deleted, and keeps its Kustomization.
	other := &v1alpha1.FluxConfig{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: "release-b", Name: "app"}, other)).To(Succeed())
	g.Expect(other.DeletionTimestamp).To(BeNil(), "release-b's FluxConfig was asked to go")
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: "release-b", Name: "app-apps"}, &kustomizev1.Kustomization{})).To(Succeed())

	// Uninstalling the other release too, while its controller runs, leaves nothing behind.
	g.Expect(Run(ctx, c, Options{Timeout: time.Minute, Poll: 200 * time.Millisecond, Namespace: "release-b"})).To(Succeed())
}

// TestRun_AllNamespacesWithoutWatchNamespace: a release that watches every namespace owns every
// FluxConfig, so its hook deletes them all.
func TestRun_AllNamespacesWithoutWatchNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	for _, ns := range []string{"all-a", "all-b"} {
		g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		g.Expect(c.Create(ctx, fluxConfig(ns))).To(Succeed())
	}
	var out bytes.Buffer
	g.Expect(Run(ctx, c, Options{Timeout: time.Minute, Poll: 200 * time.Millisecond, Out: &out})).To(Succeed(), out.String())
	list := &v1alpha1.FluxConfigList{}
	g.Expect(c.List(ctx, list)).To(Succeed())
	g.Expect(list.Items).To(BeEmpty())
	g.Expect(out.String()).To(ContainSubstring("Every FluxConfig of the cluster is gone"))
}
