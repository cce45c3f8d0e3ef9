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

package preflight

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// c talks to a kube-apiserver started without any CRD: each case brings what it needs.
var c client.Client

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	assets := os.Getenv(testenv.AssetsEnv)
	if assets == "" {
		fmt.Fprintf(os.Stderr, "%s must be set: `make test-env` prints it\n", testenv.AssetsEnv)
		return 1
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = apiextensionsv1.AddToScheme(s)
	if c, err = client.New(cfg, client.Options{Scheme: s}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func crd(name string, annotations map[string]string) *apiextensionsv1.CustomResourceDefinition {
	plural, group, _ := strings.Cut(name, ".")
	kind := strings.ToUpper(plural[:1]) + strings.TrimSuffix(plural[1:], "s")
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: group, Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Kind: kind},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: ptrTo(true)}}}},
		},
	}
}

func ptrTo[T any](v T) *T { return &v }

func deployment(namespace, name, image string, annotations map[string]string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Annotations: annotations},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sidecar", Image: "busybox"}, {Name: "manager", Image: image}}}}}}
}

// controller is a fluxconfig-controller Deployment as the chart renders it, with --watch-namespace
// when watch is set.
func controller(namespace, image, watch string) *appsv1.Deployment {
	d := deployment(namespace, "fluxconfig-controller", image, helmRelease(namespace, "other"))
	d.Spec.Template.Labels["app.kubernetes.io/name"] = "fluxconfig-controller"
	d.Spec.Selector.MatchLabels = d.Spec.Template.Labels
	if watch != "" {
		d.Spec.Template.Spec.Containers[1].Args = []string{"--leader-elect=true", "--watch-namespace=" + watch}
	}
	return d
}

func helmRelease(namespace, name string) map[string]string {
	return map[string]string{releaseNameAnnotation: name, releaseNamespaceAnnotation: namespace}
}

// TestCheck_RefusesAForeignFlux runs the check against a real API server holding, case by
// case, what a cluster with another Flux holds, and checks the verdict and that the message
// names what was found and what to do.
func TestCheck_RefusesAForeignFlux(t *testing.T) {
	install := Options{Release: "fluxconfig", Namespace: "flux-system", FluxInstall: true}
	useExisting := install
	useExisting.FluxInstall = false
	namespaced := Options{Release: "team-a", Namespace: "team-a", WatchNamespace: "team-a"}
	const ours = "ghcr.io/fluxconfig/fluxconfig-controller:0.1.0"
	for _, tc := range []struct {
		name    string
		objects []client.Object
		opts    Options
		// want are substrings of the refusal; none means the install goes ahead.
		want []string
	}{
		{name: "empty cluster", opts: install},
		{name: "unrelated workloads", opts: install,
			objects: []client.Object{deployment("apps", "web", "nginx:1.27", nil), crd("widgets.example.com", nil)}},
		{name: "Flux v1 CRD", opts: install, objects: []client.Object{crd("helmreleases.helm.fluxcd.io", nil)},
			want: []string{"found Flux v1", "CRD helmreleases.helm.fluxcd.io", MigrationDoc}},
		{name: "Flux v1 weave.works CRD", opts: useExisting, objects: []client.Object{crd("fluxhelmreleases.flux.weave.works", nil)},
			want: []string{"found Flux v1", "CRD fluxhelmreleases.flux.weave.works"}},
		{name: "Flux v1 Deployment, also with flux.install=false", opts: useExisting,
			objects: []client.Object{deployment("flux", "flux", "docker.io/fluxcd/flux:1.25.4", nil)},
			want:    []string{"found Flux v1", "Deployment flux/flux (image docker.io/fluxcd/flux:1.25.4)", MigrationDoc}},
		{name: "foreign Flux v2 CRD", opts: install, objects: []client.Object{crd("gitrepositories.source.toolkit.fluxcd.io", nil)},
			want: []string{"found a Flux v2 that release flux-system/fluxconfig did not install",
				"CRD gitrepositories.source.toolkit.fluxcd.io", "--set flux.install=false", MigrationDoc}},
		{name: "foreign Flux v2 Deployment from a mirror", opts: install, objects: []client.Object{
			deployment("flux-system", "source-controller", "mcr.microsoft.com/oss/fluxcd/source-controller:v1.2.4@sha256:"+strings.Repeat("a", 64), nil)},
			want: []string{"Deployment flux-system/source-controller (image mcr.microsoft.com/oss/fluxcd/source-controller"}},
		{name: "another release's Flux v2", opts: install, objects: []client.Object{
			crd("kustomizations.kustomize.toolkit.fluxcd.io", helmRelease("other", "flux"))},
			want: []string{"CRD kustomizations.kustomize.toolkit.fluxcd.io, of Helm release other/flux"}},
		{name: "Flux v2 used as is with flux.install=false", opts: useExisting, objects: []client.Object{
			crd("gitrepositories.source.toolkit.fluxcd.io", nil),
			deployment("flux-system", "source-controller", "ghcr.io/fluxcd/source-controller:v1.9.6", nil)}},
		{name: "this release's CRDs kept from an earlier install", opts: install, objects: []client.Object{
			crd("gitrepositories.source.toolkit.fluxcd.io", helmRelease("flux-system", "fluxconfig"))}},
		{name: "namespaced release beside one that watches all namespaces", opts: namespaced,
			objects: []client.Object{controller("fluxconfig-system", ours, "")},
			want: []string{"found another fluxconfig-controller",
				"Deployment fluxconfig-system/fluxconfig-controller, watching all namespaces", "watchAllNamespaces=false"}},
		{name: "release watching all namespaces beside a namespaced one", opts: useExisting,
			objects: []client.Object{controller("team-b", ours, "team-b")},
			want:    []string{"Deployment team-b/fluxconfig-controller, watching namespace team-b"}},
		{name: "two namespaced releases", opts: namespaced, objects: []client.Object{controller("team-b", ours, "team-b")}},
		{name: "Azure's extension", opts: useExisting, objects: []client.Object{
			deployment("flux-system", "fluxconfig-controller", "mcr.microsoft.com/azurek8sflux/fluxconfig-controller:1.24.1", nil)},
			want: []string{"Deployment flux-system/fluxconfig-controller, watching all namespaces"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			for _, obj := range tc.objects {
				if obj.GetNamespace() != "" {
					err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: obj.GetNamespace()}})
					g.Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
				}
				g.Expect(c.Create(ctx, obj)).To(Succeed())
			}
			defer deleteAll(g, tc.objects)

			f, err := Check(ctx, c, tc.opts)
			g.Expect(err).NotTo(HaveOccurred())
			err = f.Err(tc.opts)
			if len(tc.want) == 0 {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(HaveOccurred())
			for _, want := range tc.want {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
		})
	}
}

func deleteAll(g *WithT, objs []client.Object) {
	ctx := context.Background()
	for _, obj := range objs {
		g.Expect(client.IgnoreNotFound(c.Delete(ctx, obj))).To(Succeed())
		// A CRD goes asynchronously, after the API server's finalizer has run, which took
		// over 30 s once with every suite of `make test` running beside this one; the next
		// case must not see it.
		g.Eventually(func() bool {
			return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(obj), obj))
		}).WithTimeout(2*time.Minute).WithPolling(100*time.Millisecond).Should(BeTrue(), "%T %s is still there", obj, obj.GetName())
	}
}
