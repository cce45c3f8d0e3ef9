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

package v1_test

import (
	"encoding/json"
	"reflect"
	"testing"

	dpv1 "github.com/fluxconfig/fluxconfig/api/dataplane/v1"
)

// TestMergePatch checks the RFC 7386 cases the CLI and the endpoint rely on.
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ name, target, patch, want string }{
		{"null removes", `{"a":1,"b":2}`, `{"a":null}`, `{"b":2}`},
		{"objects merge", `{"k":{"x":{"path":"a","prune":true}}}`, `{"k":{"x":{"path":"b"},"y":{}}}`, `{"k":{"x":{"path":"b","prune":true},"y":{}}}`},
		{"scalar replaces object", `{"a":{"b":1}}`, `{"a":"s"}`, `{"a":"s"}`},
		{"object replaces scalar", `{"a":"s"}`, `{"a":{"b":null,"c":1}}`, `{"a":{"c":1}}`},
		{"arrays replace", `{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{"non-object patch replaces", `{"a":1}`, `[1]`, `[1]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var target, patch, want any
			for _, x := range []struct {
				s string
				v *any
			}{{tc.target, &target}, {tc.patch, &patch}, {tc.want, &want}} {
				if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
					t.Fatal(err)
				}
			}
			if got := dpv1.MergePatch(target, patch); !reflect.DeepEqual(got, want) {
				t.Errorf("MergePatch(%s, %s) = %v, want %s", tc.target, tc.patch, got, tc.want)
			}
		})
	}
}
