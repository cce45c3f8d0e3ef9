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

package packaging

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/fluxconfig/fluxconfig/internal/scheme"
	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// makeVars reads the `NAME ?= value` lines of the Makefile, where the Flux versions are listed.
func makeVars(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z_]+) \?= (\S+)$`).FindAllStringSubmatch(string(data), -1) {
		vars[m[1]] = m[2]
	}
	return vars
}

// TestFluxVersions_Agree: the Makefile lists the Flux versions once; the chart's image tags,
// the Deployments generated into the chart and the CRDs the tests install all follow them.
// A bump of one without the others fails here.
func TestFluxVersions_Agree(t *testing.T) {
	g := NewWithT(t)
	v := makeVars(t)
	for _, name := range []string{"SOURCE_CONTROLLER_VERSION", "KUSTOMIZE_CONTROLLER_VERSION", "HELM_CONTROLLER_VERSION",
		"NOTIFICATION_API_VERSION", "NOTIFICATION_MANIFEST_VERSION", "IMAGE_API_VERSION"} {
		g.Expect(v).To(HaveKeyWithValue(name, HavePrefix("v")), "the Makefile lists %s", name)
	}

	// The images the chart installs are the controllers the tests run; the notification and
	// image controllers, which no test runs, follow the API modules their CRDs come from.
	flux := loadChart(t).Values["flux"].(map[string]any)
	tag := func(key string) string {
		return flux[key].(map[string]any)["image"].(map[string]any)["tag"].(string)
	}
	g.Expect(tag("sourceController")).To(Equal(v["SOURCE_CONTROLLER_VERSION"]))
	g.Expect(tag("kustomizeController")).To(Equal(v["KUSTOMIZE_CONTROLLER_VERSION"]))
	g.Expect(tag("helmController")).To(Equal(v["HELM_CONTROLLER_VERSION"]))
	g.Expect(tag("notificationController")).To(Equal(v["NOTIFICATION_API_VERSION"]))
	g.Expect(tag("imageReflectorController")).To(Equal(v["IMAGE_API_VERSION"]))
	g.Expect(tag("imageAutomationController")).To(Equal(v["IMAGE_API_VERSION"]))

	// The chart's Deployments were generated from the same controller modules.
	data, err := os.ReadFile(filepath.Join(chartDir(), "templates", "flux-controllers.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	for _, from := range []string{
		"source-controller@" + v["SOURCE_CONTROLLER_VERSION"],
		"kustomize-controller@" + v["KUSTOMIZE_CONTROLLER_VERSION"],
		"helm-controller@" + v["HELM_CONTROLLER_VERSION"],
		"notification-controller@" + v["NOTIFICATION_MANIFEST_VERSION"],
	} {
		g.Expect(string(data)).To(ContainSubstring("config/manager of github.com/fluxcd/"+from+" "),
			"templates/flux-controllers.yaml is stale: run make generate")
	}

	// The tests install the CRDs of those versions (the Makefile names the directory after them).
	dir := filepath.Base(os.Getenv(testenv.FluxCRDsEnv))
	g.Expect(dir).To(HavePrefix("flux-crds-"), "%s must be set; `make test-env` prints it", testenv.FluxCRDsEnv)
	g.Expect(dir).To(Equal(fmt.Sprintf("flux-crds-source-%s-kustomize-%s-helm-%s-notification-%s-image-%s",
		v["SOURCE_CONTROLLER_VERSION"], v["KUSTOMIZE_CONTROLLER_VERSION"], v["HELM_CONTROLLER_VERSION"],
		v["NOTIFICATION_API_VERSION"], v["IMAGE_API_VERSION"])))
}

// TestFluxCRDs_ServeTheClientVersions: go.mod's Flux API modules may be newer than the
// controllers we run (helm-controller/api is); what must hold is that every Flux kind the
// binaries read or write is served, at the version their types use, by the CRD the chart
// installs next to that controller.
func TestFluxCRDs_ServeTheClientVersions(t *testing.T) {
	g := NewWithT(t)
	served := map[string][]string{} // kind.group -> served versions
	files, err := filepath.Glob(filepath.Join(chartDir(), "templates", "flux-crds", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range files {
		data, err := os.ReadFile(f)
		g.Expect(err).NotTo(HaveOccurred())
		// The chart wraps each CRD in a condition; the CRD is the YAML between them.
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "{{") {
				lines = append(lines, l)
			}
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		g.Expect(yaml.Unmarshal([]byte(strings.Join(lines, "\n")), crd)).To(Succeed(), f)
		for _, ver := range crd.Spec.Versions {
			if ver.Served {
				key := crd.Spec.Names.Kind + "." + crd.Spec.Group
				served[key] = append(served[key], ver.Name)
			}
		}
	}
	checked := 0
	for gvk := range scheme.New().AllKnownTypes() {
		if !strings.HasSuffix(gvk.Group, ".toolkit.fluxcd.io") || strings.HasSuffix(gvk.Kind, "List") ||
			strings.HasSuffix(gvk.Kind, "Options") || gvk.Kind == "WatchEvent" {
			continue // the meta kinds every group version registers
		}
		checked++
		g.Expect(served).To(HaveKeyWithValue(gvk.Kind+"."+gvk.Group, ContainElement(gvk.Version)),
			"the chart's CRD for %s serves the version the binaries use", gvk)
	}
	g.Expect(checked).To(BeNumerically(">=", 3), "GitRepository, Kustomization and HelmRelease at least")
}
