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
	"reflect"
	"strings"
	"testing"
)

// TestKustomizationPostBuild: post_build=true gives an empty postBuild, which turns
// substitution on; false leaves it out; anything else names the key.
func TestKustomizationPostBuild(t *testing.T) {
	got, err := parseKustomizations([]string{"name=app path=./ post_build=true", "name=infra post-build=false"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"app":   map[string]any{"path": "./", "postBuild": map[string]any{}},
		"infra": map[string]any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if _, err := parseKustomizations([]string{"name=app post_build=yes"}); err == nil ||
		!strings.Contains(err.Error(), "post_build") {
		t.Errorf("a bad post_build value: %v", err)
	}
}

// TestKustomizationDependsOn: depends_on takes a comma list, or the bracketed list az's
// documentation shows, quoted or as bash passes it on.
func TestKustomizationDependsOn(t *testing.T) {
	for _, v := range []string{`infra,base`, `["infra","base"]`, `[infra,base]`, `['infra', 'base']`, ` infra , base `} {
		got := splitList(v)
		if !reflect.DeepEqual(got, []string{"infra", "base"}) {
			t.Errorf("splitList(%q) = %q", v, got)
		}
	}
	if got := splitList(`[]`); len(got) != 0 {
		t.Errorf("splitList([]) = %q, want none", got)
	}
	got, err := parseKustomizations([]string{`name=apps dependsOn=["infra"]`})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"apps": map[string]any{"dependsOn": []string{"infra"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}
