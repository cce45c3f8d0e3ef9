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

// Package packaging tests how fluxconfig is installed: the Helm chart as Helm renders it
// (against a real API server, against its schema, and with the RBAC it grants to the real
// controller, agent and clean-up hook), and the config/ kustomize bases.
package packaging

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

var (
	// env is a kube-apiserver started, on first use, with no CRD at all: the chart must bring
	// the FluxConfig and Flux CRDs itself. The schema tests run without it.
	env     *envtest.Environment
	envOnce sync.Once
	envErr  error
	cfg     *rest.Config
	// warnings collects the API server's warnings, such as Pod Security violations.
	warnings = &warningLog{}
)

type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	code := m.Run()
	if env != nil {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// apiServer starts the shared kube-apiserver and etcd once and returns an admin configuration.
func apiServer(t *testing.T) *rest.Config {
	t.Helper()
	envOnce.Do(func() {
		assets := os.Getenv(testenv.AssetsEnv)
		if assets == "" {
			envErr = fmt.Errorf("%s must be set: run through `make test`; `make test-env` prints it", testenv.AssetsEnv)
			return
		}
		env = &envtest.Environment{BinaryAssetsDirectory: assets}
		cfg, envErr = env.Start()
		if envErr != nil {
			_ = env.Stop()
			env = nil
			return
		}
		cfg.WarningHandler = warnings
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return cfg
}

// chartDir is the chart under test.
func chartDir() string { return filepath.Join(testenv.RepoRoot(), "charts", "fluxconfig") }

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	chrt, err := loader.Load(chartDir())
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return chrt
}

// renderChart renders the chart as `helm install RELEASE -n NAMESPACE` would, with the values
// validated against values.schema.json, and decodes every object, hooks included.
func renderChart(chrt *chart.Chart, release, namespace string, values map[string]any) ([]*unstructured.Unstructured, error) {
	rv, err := chartutil.ToRenderValues(chrt, values,
		chartutil.ReleaseOptions{Name: release, Namespace: namespace, Revision: 1, IsInstall: true}, nil)
	if err != nil {
		return nil, err
	}
	// Strict fails on a template that reads a value the chart does not define.
	files, err := engine.Engine{Strict: true}.Render(chrt, rv)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue // NOTES.txt and helpers
		}
		decoded, err := testenv.DecodeManifests([]byte(files[name]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		objs = append(objs, decoded...)
	}
	return objs, nil
}

func mustRender(t *testing.T, release, namespace string, values map[string]any) []*unstructured.Unstructured {
	t.Helper()
	objs, err := renderChart(loadChart(t), release, namespace, values)
	if err != nil {
		t.Fatalf("rendering %s: %v", release, err)
	}
	return objs
}

func adminClient(t *testing.T) client.Client {
	t.Helper()
	s := scheme.New()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(apiServer(t), client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// install applies the rendered objects as Helm would: CRDs first, established before anything
// else; every object server-side applied.
func install(t *testing.T, c client.Client, objs []*unstructured.Unstructured) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	var crds, rest []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o)
		} else {
			rest = append(rest, o)
		}
	}
	g.Expect(testenv.ApplyManifests(ctx, c, "helm", crds)).To(Succeed())
	for _, o := range crds {
		g.Eventually(func(g Gomega) {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			g.Expect(c.Get(ctx, client.ObjectKey{Name: o.GetName()}, crd)).To(Succeed())
			established := false
			for _, cond := range crd.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					established = true
				}
			}
			g.Expect(established).To(BeTrue(), "CRD %s established", o.GetName())
		}).WithTimeout(30 * time.Second).Should(Succeed())
	}
	g.Expect(testenv.ApplyManifests(ctx, c, "helm", rest)).To(Succeed())
}

// ensureCRDs installs the default rendering's CRDs once, for tests that need the APIs.
var crdsOnce sync.Once

func ensureCRDs(t *testing.T) {
	t.Helper()
	crdsOnce.Do(func() {
		var crds []*unstructured.Unstructured
		for _, o := range mustRender(t, "crds", "flux-system", nil) {
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o)
			}
		}
		install(t, adminClient(t), crds)
	})
}
