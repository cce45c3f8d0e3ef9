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
	"fmt"
	"testing"

	. "github.com/onsi/gomega"

	v1alpha1 "github.com/fluxconfig/fluxconfig/api/v1alpha1"
)

// Each label-filtered kind has exactly one cache selector: Secrets by the config name
// label, the rest by the managed label.
func TestCacheOptions_OneSelectorPerKind(t *testing.T) {
	g := NewWithT(t)
	seen := map[string]string{}
	for obj, by := range CacheOptions().ByObject {
		kind := fmt.Sprintf("%T", obj)
		g.Expect(seen).NotTo(HaveKey(kind), "two selectors for "+kind)
		seen[kind] = by.Label.String()
	}
	g.Expect(seen).To(Equal(map[string]string{
		"*v1.Secret":             v1alpha1.NameLabel,
		"*v1.ServiceAccount":     v1alpha1.ManagedLabel + "=true",
		"*v1.RoleBinding":        v1alpha1.ManagedLabel + "=true",
		"*v1.ClusterRoleBinding": v1alpha1.ManagedLabel + "=true",
	}))
}
