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

package ssa

import "testing"

func TestSubset(t *testing.T) {
	live := map[string]any{"spec": map[string]any{"url": "u", "wait": true, "list": []any{"a", map[string]any{"x": 1, "d": 2}}}}
	for name, tc := range map[string]struct {
		want any
		ok   bool
	}{
		"defaults ignored":     {map[string]any{"spec": map[string]any{"url": "u"}}, true},
		"list elements subset": {map[string]any{"spec": map[string]any{"list": []any{"a", map[string]any{"x": 1}}}}, true},
		"changed value":        {map[string]any{"spec": map[string]any{"url": "v"}}, false},
		"shorter list":         {map[string]any{"spec": map[string]any{"list": []any{"a"}}}, false},
		"missing field":        {map[string]any{"spec": map[string]any{"other": "x"}}, false},
		"map against scalar":   {map[string]any{"spec": map[string]any{"url": map[string]any{}}}, false},
	} {
		if got := subset(tc.want, live); got != tc.ok {
			t.Errorf("%s: subset = %v, want %v", name, got, tc.ok)
		}
	}
}
