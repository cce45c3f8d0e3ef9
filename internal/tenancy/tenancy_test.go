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

package tenancy

import (
	"strings"
	"testing"
)

func TestProtected_Check(t *testing.T) {
	for _, tc := range []struct {
		name      string
		list      []string
		release   string
		namespace string
		refused   bool
	}{
		{"default kube-system", nil, "", "kube-system", true},
		{"default kube-node-lease", nil, "", "kube-node-lease", true},
		{"default tenant", nil, "", "team-a", false},
		{"release namespace", nil, "flux-system", "flux-system", true},
		{"custom list replaces the defaults", []string{"platform"}, "", "kube-system", false},
		{"custom list", []string{"platform", " ops "}, "", "ops", true},
		{"release only", []string{}, "fluxconfig-system", "fluxconfig-system", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewProtected(tc.list, tc.release).Check(tc.namespace)
			if (err != nil) != tc.refused {
				t.Fatalf("Check(%q) = %v, refused want %v", tc.namespace, err, tc.refused)
			}
			if err != nil && !strings.Contains(err.Error(), "multiTenancy.protectedNamespaces") {
				t.Errorf("message %q does not say where the list is set", err)
			}
		})
	}
}

func TestNewProtected_TakesASplitFlag(t *testing.T) {
	got := NewProtected(strings.Split(" kube-system,,team-a ,", ","), "")
	if strings.Join(got, "|") != "kube-system|team-a" {
		t.Fatalf("NewProtected = %q", got)
	}
	if got := NewProtected(strings.Split("", ","), "flux-system"); strings.Join(got, "|") != "flux-system" {
		t.Fatalf("an empty flag protects the release namespace only, got %q", got)
	}
}
