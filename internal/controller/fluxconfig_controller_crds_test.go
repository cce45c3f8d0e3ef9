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
	"time"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
	"github.com/fluxconfig/fluxconfig/internal/render"
	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/tenancy"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// A cluster with only Flux's GitRepository and Kustomization CRDs: the controller runs,
// refuses a config whose source kind has no CRD (and deletes it when asked), and takes the
// config up once the CRD is installed.
func TestFluxConfigReconciler_OnlySomeFluxCRDs(t *testing.T) {
	g := NewWithT(t)
	env, err := testenv.StartWithFluxCRDs("source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: scheme.New(), Cache: CacheOptions(), Metrics: metricsserver.Options{BindAddress: "0"},
		// The suite's manager runs a controller of the same name in this process.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	rec := events.NewFakeRecorder(100)
	go func() {
		for range rec.Events {
		}
	}()
	r := &FluxConfigReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Recorder: rec,
		MultiTenancy: true, ResyncInterval: time.Hour, CRDRecheckInterval: time.Second,
		Protected: tenancy.ForWatch(nil, "", ""),
	}
	g.Expect(r.SetupWithManager(mgr, 2)).To(Succeed())
	r.FluxAPIs.Interval = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = mgr.Start(ctx) }()

	ns := "only-some-crds"
	g.Expect(testenv.EnsureNamespace(ctx, c, ns)).To(Succeed())
	create := func(doc string) *v1alpha1.FluxConfig {
		fc := &v1alpha1.FluxConfig{}
		g.Expect(yaml.UnmarshalStrict([]byte(doc), fc)).To(Succeed())
		fc.Namespace = ns
		g.Expect(c.Create(ctx, fc)).To(Succeed())
		return fc
	}
	get := func(g Gomega, obj client.Object) {
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	}
	stalledOn := func(g Gomega, fc *v1alpha1.FluxConfig, crd string) {
		get(g, fc)
		stalled := apimeta.FindStatusCondition(fc.Status.Conditions, v1alpha1.StalledCondition)
		g.Expect(stalled).NotTo(BeNil())
		g.Expect(stalled.Reason).To(Equal(v1alpha1.CRDNotInstalledReason))
		g.Expect(stalled.Message).To(ContainSubstring("needs the CRD " + crd))
	}
	goneIn := func(obj client.Object) func() bool {
		return func() bool { return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(obj), obj)) }
	}

	git := create(`{metadata: {name: git}, spec: {gitRepository: {url: "https://e.com/r"}, kustomizations: [{name: app}]}}`)
	oci := create(`{metadata: {name: oci}, spec: {sourceKind: OCIRepository, ociRepository: {url: "oci://r.example.com/m", repositoryRef: {tag: v1}}, kustomizations: [{name: app}]}}`)
	bucket := create(`{metadata: {name: s3}, spec: {sourceKind: Bucket, bucket: {url: "http://minio:9000", bucketName: b, insecure: true}}}`)
	g.Eventually(func(g Gomega) {
		get(g, git)
		g.Expect(git.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
		get(g, &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "git-app", Namespace: ns}})
		stalledOn(g, oci, "ocirepositories.source.toolkit.fluxcd.io")
		stalledOn(g, bucket, "buckets.source.toolkit.fluxcd.io")
	}, timeout, poll).Should(Succeed())
	g.Expect(goneIn(&kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Name: "oci-app", Namespace: ns}})()).To(BeTrue(),
		"nothing of a refused config is applied")

	// A config is never held by a CRD that is missing, whether its own source kind's or not.
	g.Expect(c.Delete(ctx, bucket)).To(Succeed())
	g.Expect(c.Delete(ctx, git)).To(Succeed())
	g.Eventually(goneIn(bucket), timeout, poll).Should(BeTrue())
	g.Eventually(goneIn(git), timeout, poll).Should(BeTrue())
	g.Eventually(goneIn(&sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: ns}}), timeout, poll).Should(BeTrue())

	// The CRD arrives later: the refused config proceeds without a change.
	_, err = envtest.InstallCRDs(env.Config, envtest.CRDInstallOptions{
		Paths: []string{testenv.FluxCRDPath("source.toolkit.fluxcd.io_ocirepositories.yaml")}, ErrorIfPathMissing: true,
	})
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		get(g, oci)
		g.Expect(apimeta.FindStatusCondition(oci.Status.Conditions, v1alpha1.StalledCondition)).To(BeNil())
		g.Expect(oci.Status.ProvisioningState).To(Equal(v1alpha1.ProvisioningSucceeded))
		repo := &sourcev1.OCIRepository{ObjectMeta: metav1.ObjectMeta{Name: "oci", Namespace: ns}}
		get(g, repo)
		g.Expect(repo.Labels).To(HaveKeyWithValue(v1alpha1.NameLabel, "oci"))
	}, timeout, poll).Should(Succeed())
	g.Expect(r.watching(render.SourceOf(oci).GVK.GroupKind())).To(BeTrue(), "the kind served late is watched")
	g.Expect(c.Delete(ctx, oci)).To(Succeed())
	g.Eventually(goneIn(oci), timeout, poll).Should(BeTrue())
}
