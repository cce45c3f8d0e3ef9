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
