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
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/fluxconfig/fluxconfig/internal/testenv"
)

// build runs `kustomize build` (the kustomize library kubectl embeds) on a config/ directory.
func build(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	g := NewWithT(t)
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(testenv.RepoRoot(), "config", dir))
	g.Expect(err).NotTo(HaveOccurred(), "kustomize build config/%s", dir)
	data, err := resMap.AsYaml()
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := testenv.DecodeManifests(data)
	g.Expect(err).NotTo(HaveOccurred())
	return objs
}

// TestConfig_KustomizeBuilds builds every kustomization under config/ and applies what
// `make deploy` applies (config/default, plus the agent) to a real API server.
func TestConfig_KustomizeBuilds(t *testing.T) {
	for _, dir := range []string{"crd", "rbac", "rbac/agent", "rbac/controller", "manager", "agent", "samples", "default"} {
		t.Run(dir, func(t *testing.T) {
			NewWithT(t).Expect(build(t, dir)).NotTo(BeEmpty())
		})
	}

	g := NewWithT(t)
	objs := build(t, "default")
	g.Expect(names(objs, "Namespace")).To(ConsistOf("flux-system"))
	g.Expect(names(objs, "CustomResourceDefinition")).To(ConsistOf("fluxconfigs.clusterconfig.azure.com"))
	g.Expect(names(objs, "Deployment")).To(ConsistOf("fluxconfig-controller"))
	for _, o := range objs {
		if o.GetKind() != "Namespace" && o.GetNamespace() != "" {
			g.Expect(o.GetNamespace()).To(Equal("flux-system"), "%s %s", o.GetKind(), o.GetName())
		}
	}
	binding := byKind(objs, "ClusterRoleBinding")[0]
	subjects, _, _ := unstructured.NestedSlice(binding.Object, "subjects")
	g.Expect(subjects).To(ConsistOf(HaveKeyWithValue("namespace", "flux-system")))
	// The agent goes with the same namespace when an overlay adds it.
	agent := build(t, "agent")
	g.Expect(names(agent, "ClusterRole")).To(ConsistOf("fluxconfig-agent"))
	containers, _, _ := unstructured.NestedSlice(byKind(agent, "Deployment")[0].Object, "spec", "template", "spec", "containers")
	g.Expect(containers).To(HaveLen(1))
	probe, _, _ := unstructured.NestedString(containers[0].(map[string]any), "readinessProbe", "httpGet", "path")
	g.Expect(probe).To(Equal("/readyz?exclude=upstream&exclude=prune"), "the agent's readiness does not wait for the endpoint, as in the chart")

	c := adminClient(t)
	warnings.take()
	install(t, c, objs)
	for _, o := range agent {
		o.SetNamespace(map[bool]string{true: "flux-system", false: ""}[o.GetNamespace() != ""])
	}
	install(t, c, agent)
	g.Expect(warnings.take()).To(BeEmpty(), "API server warnings")
}
