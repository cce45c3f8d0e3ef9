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

package cli

import (
	"slices"
	"testing"
)

// TestRewriteArgs: az's "--kustomization name=a path=b" (pairs as separate arguments) becomes
// one value per flag; -k NAME of the kustomization verbs and everything after -- are kept.
func TestRewriteArgs(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"create", "-k", "name=a", "path=./a", "--branch", "main"}, []string{"create", "-k", "name=a path=./a", "--branch", "main"}},
		{[]string{"create", "--kustomization=name=a", "prune=true", "-k", "name=b"}, []string{"create", "--kustomization=name=a prune=true", "-k", "name=b"}},
		{[]string{"kustomization", "show", "-k", "infra", "-n", "x"}, []string{"kustomization", "show", "-k", "infra", "-n", "x"}},
		{[]string{"create", "--", "-k", "name=a", "path=b"}, []string{"create", "--", "-k", "name=a", "path=b"}},
		{[]string{"create", "-k"}, []string{"create", "-k"}},
	} {
		if got := rewriteArgs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("rewriteArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
