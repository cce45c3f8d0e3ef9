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

func TestForWatch(t *testing.T) {
	all := ForWatch(nil, "flux-system", "")
	if err := all.Check("flux-system"); err == nil || !strings.Contains(err.Error(), `namespace "flux-system" is protected`) {
		t.Errorf("watching all namespaces, the release namespace is protected: %v", err)
	}
	if all.Check("kube-system") == nil || all.Check("team-a") != nil {
		t.Errorf("defaults wrong: %v", all)
	}
	one := ForWatch(nil, "flux-system", "flux-system")
	if err := one.Check("flux-system"); err != nil {
		t.Errorf("watching only the release namespace, its configs are the point: %v", err)
	}
	if one.Check("kube-system") == nil {
		t.Error("kube-system stays protected")
	}
	if err := ForWatch([]string{"x"}, "", "").Check("kube-system"); err != nil {
		t.Errorf("the list replaces the defaults: %v", err)
	}
}
