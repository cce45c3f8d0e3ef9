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

package agent_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// A desired set where one configuration changed costs one write; a FluxConfig changed by
// hand is still put back by the next poll that returns the set.
func TestAgent_OnlyChangedConfigurationsAreApplied(t *testing.T) {
	f := newFixture(t, "changed")
	g, ns := f.g, f.ns("agent-changed")
	ctx := context.Background()
	f.mustPut("a", gitBody(ns, nil))
	f.mustPut("b", gitBody(ns, nil))
	f.poll()

	changed := gitBody(ns, nil)
	changed["properties"].(map[string]any)["suspend"] = true
	f.mustPut("b", changed)
	before := f.writes.Writes()
	f.poll()
	g.Expect(f.writes.Writes()-before).To(Equal(int64(1)), "only b is applied")

	a := &v1alpha1.FluxConfig{}
	g.Expect(f.kube.Get(ctx, key(ns, "a"), a)).To(Succeed())
	a.Spec.Kustomizations[0].Path = "./edited-by-hand"
	g.Expect(f.kube.Update(ctx, a)).To(Succeed())
	f.mustPut("b", gitBody(ns, nil))
	f.poll()
	g.Expect(f.kube.Get(ctx, key(ns, "a"), a)).To(Succeed())
	for _, k := range a.Spec.Kustomizations {
		g.Expect(k.Path).NotTo(Equal("./edited-by-hand"))
	}
}
